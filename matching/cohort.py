"""Cohort assignment from profiles: hard constraints, scores, solve, explanations.

Mentors' capacities are their free seats (`MentorProfile.seats`). In a group scheme a mentor's
seats are filled as one group: the assignment is the same, the group is a presentation matter.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt

from matching.assignment import NOT_ALLOWED, AssignmentProblem, Mode, SolveStats, assign
from matching.constraints import PairRules, check_pair
from matching.errors import ConstraintViolationError
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from matching.ranking import CandidateIndex
from matching.scoring import DEFAULT_WEIGHTS, Score, Weights, score_pair


class CohortPair(msgspec.Struct, frozen=True):
    mentee_id: str
    mentor_id: str
    score: Score
    pinned: bool = False


class WaitingEntry(msgspec.Struct, frozen=True):
    mentee_id: str
    reason: str


class CohortResult(msgspec.Struct, frozen=True):
    pairs: tuple[CohortPair, ...]
    waiting: tuple[WaitingEntry, ...]
    matched: int
    total_score: int
    mode: Mode
    stats: SolveStats


def score_matrix(
    mentees: Sequence[MenteeProfile],
    index: CandidateIndex,
    rules: PairRules,
) -> npt.NDArray[np.int16]:
    """Scores of every (mentee, indexed mentor); NOT_ALLOWED where a hard constraint excludes."""
    matrix = np.empty((len(mentees), len(index)), dtype=np.int16)
    for row, mentee in enumerate(mentees):
        matrix[row] = np.where(index.allowed(mentee, rules), index.scores(mentee), NOT_ALLOWED)
    return matrix


def assign_cohort(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    rules: PairRules,
    *,
    pinned: Sequence[tuple[str, str]] = (),
    min_score: int = 0,
    mode: Mode = Mode.OPTIMAL,
    weights: Weights = DEFAULT_WEIGHTS,
    scheme: SchemeKind = SchemeKind.ONE_TO_ONE,
) -> CohortResult:
    """Assign mentees to mentors; pinned pairs must pass every hard constraint."""
    if len({m.id for m in mentees}) != len(mentees):
        raise ConstraintViolationError("mentee ids must be unique")
    index = CandidateIndex.build(mentors, weights, scheme)
    row_of = {mentee.id: row for row, mentee in enumerate(mentees)}
    pins = []
    for k, (mentee_id, mentor_id) in enumerate(pinned):
        if mentee_id not in row_of or mentor_id not in index.position:
            raise ConstraintViolationError(f"pinned[{k}]: unknown mentee or mentor")
        mentee, mentor = mentees[row_of[mentee_id]], index.mentors[index.position[mentor_id]]
        exclusion = check_pair(mentee, mentor, rules)
        if exclusion is not None:
            raise ConstraintViolationError(f"pinned[{k}]: {exclusion.sentence}")
        pins.append((row_of[mentee_id], index.position[mentor_id]))
    problem = AssignmentProblem(
        scores=score_matrix(mentees, index, rules),
        capacities=np.array([m.seats for m in index.mentors], dtype=np.int64),
        pinned=pins,
        min_score=min_score,
    )
    result = assign(problem, mode)
    pinned_rows = {i for i, _ in pins}
    pairs = tuple(
        CohortPair(
            mentees[i].id,
            index.mentors[j].id,
            score_pair(mentees[i], index.mentors[j], weights, scheme),
            pinned=i in pinned_rows,
        )
        for i, j, _ in result.pairs
    )
    waiting = tuple(WaitingEntry(mentees[i].id, reason) for i, reason in result.waiting)
    return CohortResult(pairs, waiting, result.matched, result.total_score, mode, result.stats)
