"""The coordinator's moves and swaps over a stored cohort run, with no database: the new
outcome when they are allowed, a refusal naming the input at fault when not."""

from __future__ import annotations

import uuid

import pytest

from matching.constraints import PairRules
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from matching.scoring import DEFAULT_WEIGHTS, score_pair
from orgs.errors import ConstraintViolation, InvalidInput
from orgs.pairing.cohort_runs import (
    MOVED_TO_WAITING,
    NO_PROFILE,
    MentorInput,
    MoveIn,
    MovesIn,
    Outcome,
    Part,
    Snapshot,
    StoredPair,
    Waiting,
    move_mentees,
)

E1, E2, E3, E4 = (uuid.UUID(int=n) for n in (0xE1, 0xE2, 0xE3, 0xE4))
R1, R2 = uuid.UUID(int=0xA1), uuid.UUID(int=0xA2)
MENTEES = {
    str(E1): MenteeProfile(str(E1), "org", {"confidence": 5}),
    str(E2): MenteeProfile(str(E2), "org", {"negotiation": 4}),
    str(E3): MenteeProfile(str(E3), "org", {"confidence": 2, "negotiation": 5}),
}
MENTORS = {
    str(R1): MentorProfile(str(R1), "org", {"confidence": 3}, seniority_band=5),
    str(R2): MentorProfile(str(R2), "org", {"negotiation": 3}, seniority_band=6, capacity=2),
}
SNAPSHOT = Snapshot(
    scheme_kind=SchemeKind.ONE_TO_ONE,
    taxonomy_version="test",
    mentees=list(MENTEES.values()),
    mentors=[MentorInput(MENTORS[str(R1)], 1), MentorInput(MENTORS[str(R2)], 2)],
    without_profile=[str(E4)],  # E4 waits with no mentee profile
    not_offered=[],
    skipped=[],
    management_chain=[],
    never_again=[],
)


def stored(mentee: uuid.UUID, mentor: uuid.UUID) -> StoredPair:
    score = score_pair(
        MENTEES[str(mentee)], MENTORS[str(mentor)], DEFAULT_WEIGHTS, SNAPSHOT.scheme_kind
    )
    parts = [Part(p.factor, p.points, p.sentence) for p in score.parts]
    return StoredPair(str(mentee), str(mentor), score.total, parts)


# E1 with R1 (its only seat), E2 with R2 (one of two seats); E3 and E4 wait.
OUTCOME = Outcome(
    pairs=[stored(E1, R1), stored(E2, R2)],
    waiting=[Waiting(str(E3), "below the minimum score"), Waiting(str(E4), NO_PROFILE)],
    matched=2,
    total_score=stored(E1, R1).score + stored(E2, R2).score,
)
BEFORE = Outcome(list(OUTCOME.pairs), list(OUTCOME.waiting), OUTCOME.matched, OUTCOME.total_score)


def moves(*pairs: tuple[uuid.UUID, uuid.UUID | None]) -> MovesIn:
    return MovesIn(moves=[MoveIn(mentee, mentor) for mentee, mentor in pairs])


def refused(data: MovesIn, rules: PairRules | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        move_mentees(SNAPSHOT, OUTCOME, data, rules or PairRules())
    assert OUTCOME == BEFORE  # a refusal leaves the run as it was
    return caught.value


def test_freeing_a_seat_and_filling_it_in_one_request_rescores_the_new_pair() -> None:
    moved = move_mentees(SNAPSHOT, OUTCOME, moves((E1, None), (E3, R1)), PairRules())
    new = stored(E3, R1)
    assert moved.outcome.pairs == [
        stored(E2, R2),
        StoredPair(new.mentee, new.mentor, new.score, new.explanation, moved=True),
    ]
    assert moved.outcome.waiting == [
        Waiting(str(E4), NO_PROFILE),
        Waiting(str(E1), MOVED_TO_WAITING),
    ]
    assert moved.outcome.matched == 2
    assert moved.outcome.total_score == stored(E2, R2).score + new.score
    assert moved.changes == {str(E1): None, str(E3): str(R1)}
    assert moved.summary == f"{str(E1)[:8]} → waiting list; {str(E3)[:8]} → {str(R1)[:8]}"
    assert OUTCOME == BEFORE  # the stored outcome is not changed in place


def test_a_move_into_a_full_mentor_is_refused_naming_the_move() -> None:
    problem = refused(moves((E2, R2), (E3, R1)))
    assert isinstance(problem, ConstraintViolation)
    assert [e.field for e in problem.errors] == ["moves[1]"]
    assert f"mentee {E3} and mentor {R1}: the mentor is full" in problem.detail


def test_a_swap_exchanges_mentors_and_a_waiting_mentee_takes_the_seat() -> None:
    both = move_mentees(SNAPSHOT, OUTCOME, MovesIn(swap=(E1, E2)), PairRules())
    assert [(p.mentee, p.mentor, p.moved) for p in both.outcome.pairs] == [
        (str(E1), str(R2), True),
        (str(E2), str(R1), True),
    ]
    assert both.outcome.total_score == stored(E1, R2).score + stored(E2, R1).score
    with_waiting = move_mentees(SNAPSHOT, OUTCOME, MovesIn(swap=(E3, E1)), PairRules())
    assert [(p.mentee, p.mentor) for p in with_waiting.outcome.pairs] == [
        (str(E2), str(R2)),
        (str(E3), str(R1)),
    ]
    assert with_waiting.outcome.waiting[-1] == Waiting(str(E1), MOVED_TO_WAITING)


def test_a_swap_into_the_management_chain_is_refused_naming_the_swap() -> None:
    chain = PairRules(management_chain=frozenset({(str(E2), str(R1))}))
    problem = refused(MovesIn(swap=(E1, E2)), chain)
    assert isinstance(problem, ConstraintViolation)
    assert [e.field for e in problem.errors] == ["swap"]
    assert "management chain" in problem.detail


def test_a_mentee_without_a_profile_cannot_be_given_a_mentor() -> None:
    problem = refused(moves((E4, R2)))
    assert [e.field for e in problem.errors] == ["moves[0].mentee"]
    assert NO_PROFILE in problem.detail
    swapped = refused(MovesIn(swap=(E1, E4)))
    assert [e.field for e in swapped.errors] == ["swap[1]"]
    assert NO_PROFILE in swapped.detail


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (MovesIn(), "moves", "at least one move or a swap"),
        (moves((uuid.UUID(int=1), None)), "moves[0].mentee", "not in this run"),
        (moves((E3, uuid.UUID(int=2))), "moves[0].mentor", "not a mentor of this run"),
        (MovesIn(swap=(E1, uuid.UUID(int=3))), "swap[1]", "not in this run"),
        (MovesIn(swap=(E1, E1)), "swap", "two different mentees"),
    ],
)
def test_bad_input_is_refused_naming_the_field(data: MovesIn, field: str, words: str) -> None:
    problem = refused(data)
    assert not isinstance(problem, ConstraintViolation)
    assert [e.field for e in problem.errors] == [field]
    assert words in problem.detail


def test_moving_a_mentee_to_their_own_mentor_changes_nothing() -> None:
    moved = move_mentees(SNAPSHOT, OUTCOME, moves((E1, R1)), PairRules())
    assert moved.outcome == OUTCOME
    assert moved.changes == {}
    assert moved.summary == "no change"
