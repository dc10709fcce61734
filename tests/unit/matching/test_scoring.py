from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.errors import InvalidProfileError
from matching.model import MeetingMode, MenteeProfile, MentorProfile, SchemeKind
from matching.scoring import (
    DEFAULT_WEIGHTS,
    Weights,
    largest_remainder,
    score_numerators,
    score_pair,
    score_value,
)

from .strategies import PROPERTY, mentees, mentors

schemes = st.sampled_from(SchemeKind)


@PROPERTY
@given(mentees(), mentors(), schemes)
def test_explanation_parts_sum_exactly_to_the_score(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind
) -> None:
    score = score_pair(mentee, mentor, scheme=scheme)
    assert 0 <= score.total <= 100
    assert sum(part.points for part in score.parts) == score.total
    assert score.total == score_value(mentee, mentor, scheme=scheme)
    assert score_pair(mentee, mentor, scheme=scheme) == score  # deterministic


@PROPERTY
@given(mentees(), mentors(), schemes)
def test_score_is_the_exact_weighted_sum_rounded_half_up(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind
) -> None:
    numerators, denominator = score_numerators(mentee, mentor, DEFAULT_WEIGHTS, scheme)
    exact = sum(Fraction(value, denominator) for _, value in numerators)
    assert score_value(mentee, mentor, scheme=scheme) == int(exact + Fraction(1, 2))
    # every part is within one point of its exact share
    for part, (_, value) in zip(
        score_pair(mentee, mentor, scheme=scheme).parts, numerators, strict=True
    ):
        assert abs(part.points - Fraction(value, denominator)) < 1


@PROPERTY
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
    st.integers(1, 500),
)
def test_largest_remainder_parts_add_up_and_stay_within_one(
    numerators: list[int], denominator: int
) -> None:
    total = round(Fraction(sum(numerators), denominator))
    parts = largest_remainder(numerators, denominator, total)
    assert sum(parts) == total
    assert all(
        abs(p - Fraction(v, denominator)) < 1 for p, v in zip(parts, numerators, strict=True)
    )


def _mentee(**topics: int) -> MenteeProfile:
    return MenteeProfile("e", "org", {k.replace("_", "-"): v for k, v in topics.items()})


def _mentor(**topics: int) -> MentorProfile:
    return MentorProfile(
        "r", "org", {k.replace("_", "-"): v for k, v in topics.items()}, seniority_band=3
    )


def test_an_importance_5_topic_counts_five_times_an_importance_1_topic() -> None:
    weights = Weights(topics=100, seniority=0, meeting=0, language=0, sector=0, different_unit=0)
    mentee = _mentee(confidence=5, housing=1)
    offers_important = score_pair(mentee, _mentor(confidence=3), weights)
    offers_minor = score_pair(mentee, _mentor(housing=3), weights)
    assert offers_important.total == 83  # 100 · 5/6, rounded
    assert offers_minor.total == 17  # 100 · 1/6, rounded
    assert Fraction(offers_important.total) / offers_minor.total == pytest.approx(5, rel=0.03)


def test_higher_level_on_the_same_topic_scores_higher() -> None:
    mentee = _mentee(confidence=4)
    assert score_value(mentee, _mentor(confidence=3)) > score_value(mentee, _mentor(confidence=1))


def test_reverse_scheme_inverts_the_default_seniority_preference() -> None:
    mentee = MenteeProfile("e", "org", {}, seniority_band=5)
    senior = MentorProfile("r1", "org", {}, seniority_band=7)
    junior = MentorProfile("r2", "org", {}, seniority_band=2)
    assert score_value(mentee, senior) > score_value(mentee, junior)
    reverse = SchemeKind.REVERSE
    assert score_value(mentee, junior, scheme=reverse) > score_value(mentee, senior, scheme=reverse)


def test_remote_mentee_with_in_person_only_mentor_loses_meeting_points() -> None:
    mentee = MenteeProfile("e", "org", {}, meeting_mode=MeetingMode.REMOTE)
    remote = MentorProfile("r1", "org", {}, seniority_band=1)
    in_person = MentorProfile(
        "r2", "org", {}, seniority_band=1, meeting_modes=frozenset({MeetingMode.IN_PERSON})
    )
    meeting = {p.factor: p.points for p in score_pair(mentee, in_person).parts}["meeting"]
    assert meeting == 0
    assert score_value(mentee, remote) - score_value(mentee, in_person) == DEFAULT_WEIGHTS.meeting


@pytest.mark.parametrize(
    "weights",
    [
        {"topics": 61},
        {"topics": -10, "seniority": 80},
    ],
)
def test_weights_must_be_non_negative_and_add_up_to_100(weights: dict[str, int]) -> None:
    with pytest.raises(InvalidProfileError):
        Weights(**weights)


def test_profiles_refuse_out_of_range_values() -> None:
    with pytest.raises(InvalidProfileError, match=r"topics\[confidence\]"):
        MenteeProfile("e", "org", {"confidence": 6})
    with pytest.raises(InvalidProfileError, match="capacity"):
        MentorProfile("r", "org", {}, seniority_band=1, capacity=-1)
    with pytest.raises(InvalidProfileError, match="topics"):
        MentorProfile("r", "org", {"confidence": 4}, seniority_band=1)
