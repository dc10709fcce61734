"""Network figures are suppressed at the sender and again on the combined table: proven on
crafted small groups by the attacker's own means (the audit's integer programme bounding
every hidden cell from what is shown and what adds up)."""

from __future__ import annotations

import random

import msgspec

from federation import wire
from orgs.records.network_figures import KEYS, MATCH_PARTS, row_relations, suppress_own
from orgs.records.network_reports import combined_relations, protect_combined
from orgs.records.suppression import Cell, Relation, recoverable

AUDITED = ("matches_total", *MATCH_PARTS)


def exact(inside: int, given: int, received: int, **more: int) -> dict[str, int]:
    values = dict.fromkeys(KEYS, 0)
    values.update(
        matches_inside=inside,
        matches_given=given,
        matches_received=received,
        matches_total=inside + given + received,
        **more,
    )
    return values


def pinned(
    truth: dict[str, dict[str, int]],
    shown: dict[str, dict[str, int | None]],
    relations: list[Relation] | None = None,
) -> list[Cell]:
    """The hidden cells an attacker can pin to one value from ``shown`` and what adds up (the
    network's relations, unless ``relations`` says otherwise)."""
    refs = sorted(truth)
    values = {(r, k): truth[r][k] for r in refs for k in AUDITED}
    hidden = frozenset(c for c in values if shown[c[0]][c[1]] is None)
    return recoverable(values, relations or combined_relations(refs), frozenset(), hidden)


def test_the_wire_carries_exactly_the_figures_counted() -> None:
    assert tuple(f.name for f in msgspec.structs.fields(wire.NetworkFigureValues)) == KEYS


def test_a_small_count_never_leaves_its_node_nor_can_it_be_subtracted_out() -> None:
    truth = exact(3, 10, 7, mentors=4, mentees=12, meetings_held=2, hours_released=3)
    sent = suppress_own(truth)
    assert sent["mentors"] is None
    assert sent["mentees"] == 12
    assert sent["matches_inside"] is None  # 3: primary
    # total - given - received would give 3 back: one more of them is hidden
    assert sum(sent[k] is None for k in ("matches_total", "matches_given", "matches_received")) >= 1
    assert sent["meetings_held"] is None
    assert sent["hours_released"] is None
    assert pinned({"own": truth}, {"own": sent}, row_relations("own")) == []


def test_zeros_are_shown_and_large_counts_pass_untouched() -> None:
    truth = exact(20, 0, 8, mentors=30, outcome_promotion=0)
    sent = suppress_own(truth)
    assert sent == {k: truth[k] for k in KEYS}
    assert row_relations("own")[0][("own", "matches_total")] == -1


def test_the_fair_exchange_across_organisations_cannot_be_used_to_subtract() -> None:
    # o0 gave 3 matches (hidden at its node, with its inside count); o1 shows everything.
    # Every match given is one received, so Σ given = Σ received: g0 + 10 = 7 + 6 gives 3.
    truth = {"o0": exact(7, 3, 7), "o1": exact(20, 10, 6)}
    sent = {ref: suppress_own(v) for ref, v in truth.items()}
    assert sent["o0"]["matches_given"] is None
    assert sent["o1"]["matches_given"] == 10
    assert ("o0", "matches_given") in pinned(truth, sent)  # the attack, on sender-only
    shown = protect_combined(sent)
    assert pinned(truth, shown) == []
    hidden_more = {(r, k) for r in shown for k in KEYS if shown[r][k] is None} - {
        (r, k) for r in sent for k in KEYS if sent[r][k] is None
    }
    assert hidden_more  # the combined table hid more cells
    assert all(sent[r][k] is not None for r, k in hidden_more)


def test_no_crafted_network_of_small_exchanges_leaks_a_hidden_count() -> None:
    rng = random.Random(18_6)
    for _ in range(40):
        n = rng.choice([2, 3, 4])
        given = [rng.choice([0, 1, 2, 3, 4, 6, 9]) for _ in range(n)]
        received = [0] * n
        for _ in range(sum(given)):
            received[rng.randrange(n)] += 1
        truth = {f"o{i}": exact(rng.choice([0, 2, 7, 15]), given[i], received[i]) for i in range(n)}
        shown = protect_combined({ref: suppress_own(v) for ref, v in truth.items()})
        assert pinned(truth, shown) == [], truth
        for ref, values in truth.items():
            for key in AUDITED:
                if 0 < values[key] < 5:
                    assert shown[ref][key] is None
