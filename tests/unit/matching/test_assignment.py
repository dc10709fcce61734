import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import matching.assignment as assignment
from matching.assignment import AssignmentProblem, AssignmentResult, Mode, assign
from matching.errors import ConstraintViolationError

from .strategies import PROPERTY, exact_reference, score_problems

Problem = tuple[npt.NDArray[np.int16], npt.NDArray[np.int64], int]


def check_feasible(problem: AssignmentProblem, result: AssignmentResult) -> None:
    """No capacity, hard constraint or threshold is broken, and the totals add up."""
    scores = problem.scores
    mentees = [i for i, _, _ in result.pairs]
    assert len(mentees) == len(set(mentees)), "a mentee matched twice"
    load = np.bincount([j for _, j, _ in result.pairs], minlength=scores.shape[1])
    assert (load <= problem.capacities).all()
    pinned = set(problem.pinned)
    for i, j, score in result.pairs:
        assert scores[i, j] >= 0, "a pair that is not allowed"
        assert score == scores[i, j]
        assert (i, j) in pinned or score >= problem.min_score
    assert pinned <= {(i, j) for i, j, _ in result.pairs}
    assert result.matched == len(result.pairs)
    assert result.total_score == sum(s for _, _, s in result.pairs)
    waiting = [i for i, _ in result.waiting]
    assert sorted(waiting + mentees) == list(range(scores.shape[0]))


@PROPERTY
@given(score_problems())
def test_optimal_mode_reaches_the_exact_optimum(case: Problem) -> None:
    scores, capacities, min_score = case
    problem = AssignmentProblem(scores, capacities, min_score=min_score)
    result = assign(problem)
    check_feasible(problem, result)
    assert (result.matched, result.total_score) == exact_reference(scores, capacities, min_score)


@PROPERTY
@given(score_problems(max_mentees=16, max_mentors=8), st.integers(1, 2), st.integers(-6, 0))
def test_narrow_pruning_is_repaired_by_the_certificate(
    case: Problem, mentee_arcs: int, mentor_extra: int
) -> None:
    scores, capacities, min_score = case
    problem = AssignmentProblem(scores, capacities, min_score=min_score)
    full = assign(problem, prune=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assignment, "MENTEE_ARCS", mentee_arcs)
        patch.setattr(assignment, "MENTOR_EXTRA_ARCS", mentor_extra)
        patch.setattr(assignment, "CHUNK_CELLS", 16)  # exercise the block sweeps too
        patch.setattr(assignment, "TILE_ROWS", 3)  # and the tiled transpose
        pruned = assign(problem)
    check_feasible(problem, pruned)
    assert (pruned.matched, pruned.total_score) == (full.matched, full.total_score)


def test_the_certificate_adds_back_arcs_the_pruning_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Everybody's favourite is mentor 0; keeping only each mentee's best arc leaves the
    # others unmatched unless the certificate finds the missing arcs.
    scores = np.array([[90, 10, 0], [90, 0, 10], [90, 20, 20]], dtype=np.int16)
    monkeypatch.setattr(assignment, "MENTEE_ARCS", 1)
    monkeypatch.setattr(assignment, "MENTOR_EXTRA_ARCS", -1)  # each mentor keeps 2·1 - 1 = 1
    result = assign(AssignmentProblem(scores, np.array([1, 1, 1])))
    assert result.matched == 3
    assert result.total_score == exact_reference(scores, np.array([1, 1, 1]), 0)[1]
    assert result.stats.arcs_added > 0
    assert result.stats.rounds >= 2


@PROPERTY
@given(score_problems(), st.data())
def test_pinned_pairs_are_kept_and_the_rest_is_optimal(case: Problem, data: st.DataObject) -> None:
    scores, capacities, min_score = case
    allowed = [
        (int(i), int(j)) for i, j in zip(*np.nonzero(scores >= 0), strict=True) if capacities[j] > 0
    ]
    pin = data.draw(st.sampled_from(allowed)) if allowed else None
    pins = [] if pin is None else [pin]
    problem = AssignmentProblem(scores, capacities, pinned=pins, min_score=min_score)
    for mode in Mode:
        check_feasible(problem, assign(problem, mode))
    if pin is not None:  # the rest is the optimum of what the pin leaves
        rest_scores = np.delete(scores, pin[0], axis=0)
        rest_caps = capacities.copy()
        rest_caps[pin[1]] -= 1
        matched, total = exact_reference(rest_scores, rest_caps, min_score)
        result = assign(problem)
        assert (result.matched, result.total_score) == (matched + 1, total + int(scores[pin]))


def mentor_key(scores: npt.NDArray[np.int16], i: int, j: int) -> tuple[int, int]:
    return int(scores[i, j]), -i


def mentee_key(scores: npt.NDArray[np.int16], i: int, j: int) -> tuple[int, int]:
    return int(scores[i, j]), -j


@PROPERTY
@given(score_problems())
def test_stable_mode_leaves_no_blocking_pair(case: Problem) -> None:
    scores, capacities, min_score = case
    problem = AssignmentProblem(scores, capacities, min_score=min_score)
    result = assign(problem, Mode.STABLE)
    check_feasible(problem, result)
    mentor_of = {i: j for i, j, _ in result.pairs}
    held: dict[int, list[int]] = {}
    for i, j, _ in result.pairs:
        held.setdefault(j, []).append(i)
    n, m = scores.shape
    for i in range(n):
        for j in range(m):
            if scores[i, j] < max(min_score, 0) or capacities[j] == 0 or mentor_of.get(i) == j:
                continue
            mentee_wants = i not in mentor_of or mentee_key(scores, i, j) > mentee_key(
                scores, i, mentor_of[i]
            )
            holders = held.get(j, [])
            mentor_wants = len(holders) < capacities[j] or any(
                mentor_key(scores, i, j) > mentor_key(scores, h, j) for h in holders
            )
            assert not (mentee_wants and mentor_wants), f"blocking pair ({i}, {j})"


def test_stable_mode_is_mentee_optimal_on_a_textbook_case() -> None:
    # Mentees 0 and 1 both rank mentor 0 first; mentor 0 prefers mentee 1.
    scores = np.array([[80, 50], [70, 60]], dtype=np.int16)
    result = assign(AssignmentProblem(scores, np.array([1, 1])), Mode.STABLE)
    assert [(i, j) for i, j, _ in result.pairs] == [(0, 0), (1, 1)]


def test_waiting_list_explains_each_unmatched_mentee() -> None:
    scores = np.array(
        [
            [90, -1],  # wins mentor 0
            [80, -1],  # mentor 0 is full
            [-1, 20],  # only mentor 1, below the threshold
            [-1, -1],  # nobody allowed
        ],
        dtype=np.int16,
    )
    result = assign(AssignmentProblem(scores, np.array([1, 1]), min_score=50))
    reasons = dict(result.waiting)
    assert [i for i, _, _ in result.pairs] == [0]
    assert "full" in reasons[1]
    assert "no allowed mentor scores ≥ 50 (best 20)" in reasons[2]
    assert "hard constraints exclude every mentor" in reasons[3]
    assert [i for i, _ in result.waiting] == [1, 2, 3]


@pytest.mark.parametrize(
    ("pinned", "message"),
    [
        ([(0, 1)], "not allowed"),
        ([(0, 0), (0, 0)], "pinned twice"),
        ([(0, 0), (1, 0)], "capacity"),
        ([(5, 0)], "no such"),
    ],
)
def test_pins_that_break_a_constraint_are_refused(
    pinned: list[tuple[int, int]], message: str
) -> None:
    scores = np.array([[50, -1], [40, 30]], dtype=np.int16)
    with pytest.raises(ConstraintViolationError, match=message):
        assign(AssignmentProblem(scores, np.array([1, 1]), pinned=pinned))


def test_ties_keep_the_pruned_graph_small_and_the_answer_exact() -> None:
    # every pair scores the same: each mentee keeps MENTEE_ARCS of the ties, not all of them,
    # and mentees start taking ties at different mentors
    n, m = 600, 200
    scores = np.full((n, m), 50, dtype=np.int16)
    capacities = np.ones(m, dtype=np.int64)
    result = assign(AssignmentProblem(scores, capacities))
    assert (result.matched, result.total_score) == (m, 50 * m)
    limit = n * assignment.MENTEE_ARCS + m * (2 + assignment.MENTOR_EXTRA_ARCS)
    assert result.stats.arcs_used <= limit < n * m // 10
    assert result.stats.rounds == 1


def test_a_contended_instance_of_some_size_is_exact() -> None:
    rng = np.random.default_rng(11)
    n, m = 400, 150
    scores = np.rint(0.6 * rng.integers(0, 101, m)[None, :] + 0.4 * rng.integers(0, 101, (n, m)))
    scores = np.where(rng.random((n, m)) < 0.3, -1, scores).astype(np.int16)
    capacities = rng.integers(0, 4, m).astype(np.int64)
    result = assign(AssignmentProblem(scores, capacities))
    assert (result.matched, result.total_score) == exact_reference(scores, capacities, 0)


@pytest.mark.parametrize(
    ("mentee_pi", "mentor_pi", "kind"),
    [
        ([-505_101, -505_103], [-505_201, -505_141], np.int16),  # an optimum's: close together
        ([0, 40_000], [0, 10], np.int32),
        ([-(2**40), 0], [0, 2**40], np.int64),
    ],
)
def test_slack_is_computed_in_a_type_that_holds_it(
    mentee_pi: list[int], mentor_pi: list[int], kind: type
) -> None:
    chosen = assignment._slack_type(np.array(mentee_pi), np.array(mentor_pi))
    assert chosen is kind
