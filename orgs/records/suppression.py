"""Small-number suppression of a table of counts, with secondary suppression (pure).

A count of 1–4 is never shown (*primary*). Because the table also shows totals and parts that
add up (each column's categories add up to its total; shortlisted = placed + waiting), hiding
one cell of a sum is not enough: it could be recovered by subtraction. So more cells are hidden
(*secondary*), and then the table is audited the way an attacker would attack it: every
hidden cell is bounded by integer programming over everything published, what adds up, and
what the attacker knows about hidden cells (a primary one is 1–4; a secondary one is 0 or at
least 5). A hidden cell whose lowest and highest possible values are equal could be recovered,
so another cell is hidden beside it and the audit runs again.

Zeros are shown: they hide nobody (a zero complement would protect nothing, so complements are
chosen among counts above zero first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.optimize import LinearConstraint

MIN_SHOWN = 5
#: An upper bound no count reaches, for the attacker's model of a hidden cell.
_BIG = 10_000_000
#: How many times the audit may ask for one more hidden cell before everything is hidden.
_MAX_ROUNDS = 200

#: (row, column) of the table.
Cell = tuple[str, str]
#: A linear relation the table satisfies: sum(coefficient * cell) == 0.
Relation = Mapping[Cell, int]


@dataclass(frozen=True)
class Suppressed:
    """Which cells are hidden, and why."""

    primary: frozenset[Cell]
    secondary: frozenset[Cell]

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.secondary


def is_small(value: int) -> bool:
    return 0 < value < MIN_SHOWN


def suppress(values: Mapping[Cell, int], relations: Sequence[Relation]) -> Suppressed:
    primary = frozenset(c for c, v in values.items() if is_small(v))
    hidden = set(primary)
    for _ in range(_MAX_ROUNDS):
        _cover_relations(values, relations, hidden)
        pinned = recoverable(values, relations, primary, frozenset(hidden))
        if not pinned:
            return Suppressed(primary, frozenset(hidden - primary))
        if not _protect(values, relations, hidden, pinned[0]):
            break
    everything = frozenset(c for rel in relations for c in rel) | primary
    return Suppressed(primary, frozenset(everything - primary))


def _cover_relations(
    values: Mapping[Cell, int], relations: Sequence[Relation], hidden: set[Cell]
) -> None:
    """Until no relation has exactly one hidden cell: hide the smallest other cell in it."""
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if sum(1 for c in rel if c in hidden) == 1 and _hide_one_more(values, rel, hidden):
                changed = True


def _hide_one_more(values: Mapping[Cell, int], rel: Relation, hidden: set[Cell]) -> bool:
    shown = [c for c in rel if c not in hidden]
    if not shown:
        return False
    # The smallest count above zero hides least; a zero would protect nothing.
    shown.sort(key=lambda c: (values[c] == 0, values[c]))
    hidden.add(shown[0])
    return True


def _protect(
    values: Mapping[Cell, int], relations: Sequence[Relation], hidden: set[Cell], cell: Cell
) -> bool:
    for rel in sorted((r for r in relations if cell in r), key=len):
        if _hide_one_more(values, rel, hidden):
            return True
    return False


def recoverable(
    values: Mapping[Cell, int],
    relations: Sequence[Relation],
    primary: frozenset[Cell],
    hidden: frozenset[Cell],
) -> list[Cell]:
    """The hidden cells an attacker could pin to one value from what is shown (the audit).
    ``primary`` is not used by the attacker, who cannot tell it from the rest."""
    cells = sorted(hidden)
    if not cells:
        return []
    index = {c: i for i, c in enumerate(cells)}
    n = len(cells)
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for rel in relations:
        if not any(c in hidden for c in rel):
            continue
        row = np.zeros(n)
        known = 0
        for c, coefficient in rel.items():
            if c in hidden:
                row[index[c]] += coefficient
            else:
                known += coefficient * values[c]
        rows.append(row)
        rhs.append(-known)
    # scipy is imported here, not at the top: every worker imports this module (the inbox
    # handlers reach it) and scipy.optimize costs about half a second of start-up.
    from scipy.optimize import LinearConstraint

    bounds = (np.zeros(n), np.full(n, _BIG))
    constraints = [LinearConstraint(np.vstack(rows), np.array(rhs), np.array(rhs))] if rows else []
    pinned = []
    for c in cells:
        low = _bound(index[c], n, bounds, constraints, sense=1)
        high = _bound(index[c], n, bounds, constraints, sense=-1)
        if low is not None and high is not None and round(high) - round(low) < 1:
            pinned.append(c)
    return pinned


def _bound(
    i: int,
    n: int,
    bounds: tuple[np.ndarray, np.ndarray],
    constraints: list[LinearConstraint],
    *,
    sense: int,
) -> float | None:
    from scipy.optimize import milp

    objective = np.zeros(n)
    objective[i] = sense
    result = milp(
        objective,
        integrality=np.ones(n),
        bounds=bounds,
        constraints=constraints,
    )
    if result.status != 0 or result.x is None:
        return None
    return float(result.x[i])
