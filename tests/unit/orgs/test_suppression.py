"""Small-number suppression with secondary suppression: no hidden cell can be recovered from
what is shown, checked by brute force (every table an attacker could think possible) rather
than by the integer programme the module itself uses."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orgs.records.pipeline import TOTAL, relations_of
from orgs.records.suppression import MIN_SHOWN, Cell, suppress

ROWS = ["a", "b"]
COLUMNS = ["placed", "waiting", "shortlisted"]
#: Candidate counts the brute force tries for each free cell.
SPAN = range(19)


def table(cells: dict[Cell, Any]) -> dict[Cell, Any]:
    """Free cells (row, placed|waiting) → the whole table: shortlisted and the totals."""
    out = dict(cells)
    for row in ROWS:
        out[(row, "shortlisted")] = out[(row, "placed")] + out[(row, "waiting")]
    for column in COLUMNS:
        out[(TOTAL, column)] = sum(out[(row, column)] for row in ROWS)
    return out


def possible_values(
    shown: dict[Cell, int | None], primary: frozenset[Cell], secondary: frozenset[Cell]
) -> dict[Cell, set[int]]:
    """For each hidden cell, every value it takes in some table consistent with what is shown
    (every hidden cell looks alike, so it could be any count): every table of free cells in
    ``SPAN``, at once."""
    free = [(r, c) for r in ROWS for c in ("placed", "waiting")]
    grid = np.array(list(itertools.product(SPAN, repeat=len(free))))
    candidate = table({cell: grid[:, i] for i, cell in enumerate(free)})
    keep = np.ones(len(grid), dtype=bool)
    for cell, value in shown.items():
        if value is not None:
            keep &= candidate[cell] == value
    return {cell: set(candidate[cell][keep].tolist()) for cell in primary | secondary}


def test_a_lone_small_cell_is_hidden_with_a_partner_in_its_row_and_column() -> None:
    values = table(
        {("a", "placed"): 7, ("a", "waiting"): 3, ("b", "placed"): 6, ("b", "waiting"): 9}
    )
    hidden = suppress(values, relations_of(ROWS, COLUMNS))
    assert hidden.primary == {("a", "waiting")}
    # Row a (shortlisted = placed + waiting) and column waiting both need a second cell.
    assert ("a", "placed") in hidden.secondary or ("a", "shortlisted") in hidden.secondary
    assert any(c[1] == "waiting" and c != ("a", "waiting") for c in hidden.secondary)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=4, max_size=4))
def test_no_hidden_cell_can_be_recovered_by_subtraction(counts: list[int]) -> None:
    free = [(r, c) for r in ROWS for c in ("placed", "waiting")]
    values = table(dict(zip(free, counts, strict=True)))
    hidden = suppress(values, relations_of(ROWS, COLUMNS))
    assert all(c in hidden.hidden for c, v in values.items() if 0 < v < MIN_SHOWN)
    shown = {c: (None if c in hidden.hidden else v) for c, v in values.items()}
    for cell, options in possible_values(shown, hidden.primary, hidden.secondary).items():
        assert values[cell] in options
        assert len(options) >= 2, (cell, values, shown)
