import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.assignment import Mode
from matching.cohort import assign_cohort
from matching.constraints import PairRules, check_pair
from matching.errors import ConstraintViolationError
from matching.model import MenteeProfile, MentorProfile
from matching.scoring import score_pair

from .strategies import PROPERTY, mentees, pair_rules, unique_mentors


@PROPERTY
@given(
    st.lists(mentees(), min_size=1, max_size=10, unique_by=lambda m: m.id),
    unique_mentors(8),
    pair_rules(),
    st.sampled_from(Mode),
    st.sampled_from([0, 50]),
)
def test_no_hard_constraint_or_capacity_is_ever_broken(
    cohort: list[MenteeProfile],
    candidates: list[MentorProfile],
    rules: PairRules,
    mode: Mode,
    min_score: int,
) -> None:
    result = assign_cohort(cohort, candidates, rules, mode=mode, min_score=min_score)
    by_id = {m.id: m for m in candidates}
    mentee_by_id = {m.id: m for m in cohort}
    load: dict[str, int] = {}
    for pair in result.pairs:
        mentee, mentor = mentee_by_id[pair.mentee_id], by_id[pair.mentor_id]
        assert check_pair(mentee, mentor, rules) is None
        assert pair.score == score_pair(mentee, mentor)
        assert pair.score.total >= min_score
        load[mentor.id] = load.get(mentor.id, 0) + 1
    assert all(count <= by_id[mentor_id].seats for mentor_id, count in load.items())
    assert {p.mentee_id for p in result.pairs} | {w.mentee_id for w in result.waiting} == set(
        mentee_by_id
    )
    assert result.total_score == sum(p.score.total for p in result.pairs)


def test_pinned_pair_is_kept_even_when_another_would_score_more() -> None:
    cohort = [MenteeProfile("e1", "org", {"confidence": 5})]
    candidates = [
        MentorProfile("strong", "org", {"confidence": 3}, seniority_band=3),
        MentorProfile("weak", "org", {}, seniority_band=3),
    ]
    result = assign_cohort(cohort, candidates, PairRules(), pinned=[("e1", "weak")])
    assert [(p.mentee_id, p.mentor_id, p.pinned) for p in result.pairs] == [("e1", "weak", True)]


def test_pinned_pair_in_a_management_chain_is_refused_with_the_reason() -> None:
    cohort = [MenteeProfile("e1", "org", {})]
    candidates = [MentorProfile("boss", "org", {}, seniority_band=3)]
    rules = PairRules(management_chain=frozenset({("e1", "boss")}))
    with pytest.raises(ConstraintViolationError, match="management chain"):
        assign_cohort(cohort, candidates, rules, pinned=[("e1", "boss")])
