from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from matching.constraints import ExclusionReason, OrgPolicy, PairRules, check_pair
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from matching.ranking import CandidateIndex, suggest, suggest_scalar
from matching.scoring import score_pair, score_value

from .strategies import PROPERTY, mentees, pair_rules, unique_mentors

schemes = st.sampled_from(SchemeKind)


@PROPERTY
@given(unique_mentors(12), mentees(), pair_rules(), schemes)
def test_vectorised_scores_and_filters_equal_the_scalar_ones(
    candidates: list[MentorProfile], mentee: MenteeProfile, rules: PairRules, scheme: SchemeKind
) -> None:
    index = CandidateIndex.build(candidates, scheme=scheme)
    scores = index.scores(mentee).tolist()
    allowed = index.allowed(mentee, rules).tolist()
    for position, mentor in enumerate(index.mentors):
        assert scores[position] == score_value(mentee, mentor, scheme=scheme)
        assert allowed[position] == (check_pair(mentee, mentor, rules) is None)


@PROPERTY
@given(unique_mentors(12), mentees(), pair_rules(), st.integers(1, 8), st.sampled_from([0, 40, 70]))
def test_top_k_equals_a_plain_loop_with_id_tie_breaks(
    candidates: list[MentorProfile], mentee: MenteeProfile, rules: PairRules, k: int, min_score: int
) -> None:
    index = CandidateIndex.build(candidates)
    result = suggest(index, mentee, rules, k, min_score)
    got = [(s.mentor_id, s.score.total) for s in result.items]
    assert got == suggest_scalar(candidates, mentee, rules, k, min_score)
    for item in result.items:
        mentor = index.mentors[index.position[item.mentor_id]]
        assert item.score == score_pair(mentee, mentor)
    assert (result.shortfall is None) == (len(got) == k)


def test_equal_scores_are_ordered_by_id() -> None:
    twins = [MentorProfile(f"m{k}", "org", {"confidence": 3}, seniority_band=3) for k in (3, 1, 2)]
    mentee = MenteeProfile("e", "org", {"confidence": 5})
    result = suggest(CandidateIndex.build(twins), mentee, PairRules(), k=2)
    assert [s.mentor_id for s in result.items] == ["m1", "m2"]
    assert result.shortfall is None


def test_shortfall_says_why_fewer_were_returned() -> None:
    candidates = [
        MentorProfile("paused", "org", {"confidence": 3}, seniority_band=3, paused=True),
        MentorProfile("elsewhere", "fire", {"confidence": 3}, seniority_band=3),
        MentorProfile("weak", "org", {}, seniority_band=3),
        MentorProfile("good", "org", {"confidence": 3}, seniority_band=3),
    ]
    mentee = MenteeProfile("e", "org", {"confidence": 5}, open_to_other_orgs=True)
    rules = PairRules(default_policy=OrgPolicy(cross_org_allowed=False))
    result = suggest(CandidateIndex.build(candidates), mentee, rules, k=5, min_score=60)
    assert [s.mentor_id for s in result.items] == ["good"]
    assert result.shortfall is not None
    assert "1 of 5" in result.shortfall
    assert "1 excluded because they are paused" in result.shortfall
    assert "1 excluded because organisation policy" in result.shortfall
    assert "1 allowed but scoring below the minimum 60" in result.shortfall


def test_exclusion_counts_match_the_scalar_reasons() -> None:
    candidates = [
        MentorProfile(f"m{k}", "org" if k % 2 else "fire", {}, seniority_band=3, paused=k % 3 == 0)
        for k in range(9)
    ]
    mentee = MenteeProfile("m1", "org", {})
    rules = PairRules(never_again=frozenset({("m1", "m5")}))
    counts = CandidateIndex.build(candidates).exclusion_counts(mentee, rules)
    expected: Counter[ExclusionReason] = Counter()
    for mentor in candidates:
        found = check_pair(mentee, mentor, rules)
        if found is not None:
            expected[found.reason] += 1
    assert counts == expected
    assert counts[ExclusionReason.SAME_PERSON] == 1
