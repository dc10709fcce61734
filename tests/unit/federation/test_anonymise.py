"""k-anonymity of cards: no published (org, band, region, sector) covers fewer than k mentors,
and no published topic (at its level) is said by fewer than k cards of its org."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.anonymise import (
    BANDS,
    DEFAULT_SCHEME,
    REGIONS,
    SECTORS,
    TOPIC_AREAS,
    Hierarchy,
    MentorFacts,
    MentorTopics,
    Scheme,
    Step,
    TopicScheme,
    TopicStep,
    bucket_free_slots,
    k_anonymise,
    k_anonymise_topics,
)
from matching.taxonomy import AREA_OF, TOPICS

REGION_VALUES = sorted(REGIONS.levels[0])
SECTOR_VALUES = sorted(SECTORS.levels[0])

facts = st.builds(
    MentorFacts,
    org=st.sampled_from(["brent", "harrow", "nch"]),
    band=st.integers(1, 9),
    region=st.sampled_from(REGION_VALUES),
    sector=st.sampled_from(SECTOR_VALUES),
)
populations = st.dictionaries(st.text(min_size=1, max_size=8), facts, max_size=60)
ks = st.fixed_dictionaries({}, optional={org: st.integers(2, 8) for org in ["brent", "nch"]})


@settings(max_examples=300)
@given(populations, ks, st.integers(2, 8))
def test_every_published_combination_covers_at_least_k(
    mentors: dict[str, MentorFacts], k_by_org: dict[str, int], default_k: int
) -> None:
    result = k_anonymise(mentors, k_by_org=k_by_org, default_k=default_k)
    for combination, count in Counter(result.published.values()).items():
        assert count >= k_by_org.get(combination.org, default_k), combination


@settings(max_examples=300)
@given(populations, st.integers(2, 8))
def test_each_mentor_is_published_truthfully_or_withheld(
    mentors: dict[str, MentorFacts], k: int
) -> None:
    result = k_anonymise(mentors, default_k=k)
    assert set(result.published) | result.withheld == set(mentors)
    assert not set(result.published) & result.withheld
    for key, coarse in result.published.items():
        fact = mentors[key]
        assert coarse.org == fact.org
        assert coarse.band[0] <= fact.band <= coarse.band[1]
        assert coarse.region in {REGIONS.generalise(fact.region, n) for n in range(3)}
        assert coarse.sector in {SECTORS.generalise(fact.sector, n) for n in range(2)}


@settings(max_examples=200)
@given(populations, st.integers(2, 6), st.integers(1, 9))
def test_a_lone_mentor_in_a_rare_band_is_never_identifiable(
    others: dict[str, MentorFacts], k: int, rare_band: int
) -> None:
    crowd = {key: f for key, f in others.items() if f.band != rare_band}
    lone = MentorFacts(org="nch", band=rare_band, region="east-midlands", sector="housing")
    result = k_anonymise({**crowd, "lone": lone}, default_k=k)
    if "lone" in result.published:
        published = result.published["lone"]
        assert published.band != (rare_band, rare_band)
        assert list(result.published.values()).count(published) >= k


def test_a_lone_mentor_among_a_crowd_is_published_only_coarsely() -> None:
    crowd = {f"m{n}": MentorFacts("nch", 4, "east-midlands", "housing") for n in range(5)}
    crowd |= {f"w{n}": MentorFacts("nch", 5, "west-midlands", "housing") for n in range(4)}
    lone = MentorFacts("nch", 9, "east-midlands", "housing")
    result = k_anonymise({**crowd, "lone": lone}, default_k=5)
    assert result.published["m0"].band == (4, 4)  # a crowd of 5 keeps its detail
    assert result.published["lone"].band == (1, 9)  # coarsened with the 4 west-midlanders
    assert result.published["lone"].region == "england"
    assert result.published["w0"] == result.published["lone"]


def test_an_org_with_fewer_than_k_mentors_publishes_nobody() -> None:
    mentors = {f"m{n}": MentorFacts("harrow", 3, "london", "local-government") for n in range(4)}
    assert k_anonymise(mentors).withheld == set(mentors)
    assert set(k_anonymise(mentors, k_by_org={"harrow": 4}).published) == set(mentors)


def test_k_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="k for brent"):
        k_anonymise({"m": MentorFacts("brent", 1, "london", "housing")}, k_by_org={"brent": 1})


def test_facts_outside_the_hierarchies_are_withheld_and_reported() -> None:
    mentors = {f"m{n}": MentorFacts("brent", 3, "london", "housing") for n in range(5)}
    mentors["odd"] = MentorFacts("brent", 3, "Londres", "housing")
    result = k_anonymise(mentors)
    assert "odd" in result.withheld
    assert result.unknown_facts == {"odd": "unknown region 'Londres'"}
    assert len(result.published) == 5


def test_the_hierarchies_end_in_one_national_value_each() -> None:
    assert {BANDS.generalise(v, BANDS.depth) for v in BANDS.levels[0]} == {(1, 9)}
    assert {REGIONS.generalise(v, REGIONS.depth) for v in REGIONS.levels[0]} == {"uk"}
    assert {SECTORS.generalise(v, SECTORS.depth) for v in SECTORS.levels[0]} == {"public-sector"}


def test_a_hierarchy_with_a_gap_between_levels_is_refused() -> None:
    with pytest.raises(ValueError, match="next does not know"):
        Hierarchy("region", ({"leeds": "yorkshire"}, {"england": "uk"}))


@pytest.mark.parametrize(
    "ladder",
    [
        (),
        (Step(1, 0, 0),),
        (Step(0, 0, 0), Step(1, 1, 0), Step(0, 1, 1)),
        (Step(0, 0, 0), Step(3, 0, 0)),
    ],
)
def test_a_ladder_must_start_exact_climb_steadily_and_stay_in_the_hierarchy(
    ladder: tuple[Step, ...],
) -> None:
    with pytest.raises(ValueError, match=r"ladder|step"):
        Scheme(BANDS, REGIONS, SECTORS, ladder)


def test_the_default_ladder_is_valid() -> None:
    assert DEFAULT_SCHEME.ladder[-1] == Step(2, 2, 1)


@pytest.mark.parametrize(
    ("free", "bucket"), [(0, None), (1, "1"), (2, "2-3"), (3, "2-3"), (4, "4+"), (40, "4+")]
)
def test_free_slots_are_bucketed(free: int, bucket: str | None) -> None:
    assert bucket_free_slots(free) == bucket


def test_negative_free_slots_are_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        bucket_free_slots(-1)


# --- topics ---------------------------------------------------------------------------------

TOPIC_IDS = sorted(TOPICS)
offered_topics = st.dictionaries(st.sampled_from(TOPIC_IDS), st.integers(1, 3), max_size=6)
topic_sets = st.builds(
    MentorTopics, org=st.sampled_from(["brent", "harrow", "nch"]), topics=offered_topics
)
topic_populations = st.dictionaries(st.text(min_size=1, max_size=8), topic_sets, max_size=60)


@settings(max_examples=300)
@given(topic_populations, ks, st.integers(2, 8))
def test_every_published_topic_and_level_is_said_by_at_least_k_cards_of_its_org(
    mentors: dict[str, MentorTopics], k_by_org: dict[str, int], default_k: int
) -> None:
    result = k_anonymise_topics(mentors, k_by_org=k_by_org, default_k=default_k)
    said = Counter(
        (mentors[key].org, topic, level)
        for key, topics in result.published.items()
        for topic, level in topics.items()
    )
    for (org, topic, level), count in said.items():
        assert count >= k_by_org.get(org, default_k), (org, topic, level)


@settings(max_examples=300)
@given(topic_populations, st.integers(2, 8))
def test_a_card_says_only_what_the_mentor_offers_or_its_area_and_never_more(
    mentors: dict[str, MentorTopics], k: int
) -> None:
    result = k_anonymise_topics(mentors, default_k=k)
    assert set(result.published) | result.withheld == set(mentors)
    assert not set(result.published) & result.withheld
    for key, topics in result.published.items():
        assert topics  # a mentor with nothing left to say is withheld, not published empty
        offered = mentors[key].topics
        for label, level in topics.items():
            if label in offered:
                assert level in {offered[label], 1}
            else:
                assert label in {AREA_OF[t] for t in offered}
                assert level == 1


@settings(max_examples=200)
@given(topic_populations, st.integers(2, 6))
def test_a_topic_nobody_else_in_the_org_offers_is_never_named(
    others: dict[str, MentorTopics], k: int
) -> None:
    crowd = {key: m for key, m in others.items() if not (m.org == "nch" and "hr" in m.topics)}
    director = MentorTopics("nch", {"hr": 3, "career-review": 3, "applying-promotion": 3})
    result = k_anonymise_topics({**crowd, "director": director}, default_k=k)
    assert "hr" not in result.published.get("director", {})  # hr elsewhere does not cover nch


def test_the_hr_director_is_shown_as_one_of_the_corporate_services_mentors() -> None:
    crowd = {f"f{n}": MentorTopics("nch", {"finance": 2, "confidence": 2}) for n in range(4)}
    crowd["lawyer"] = MentorTopics("nch", {"legal": 1, "confidence": 2})
    director = MentorTopics(
        "nch", {"hr": 3, "career-review": 3, "applying-promotion": 3, "confidence": 2}
    )
    result = k_anonymise_topics({**crowd, "director": director}, default_k=5)
    assert result.published["director"] == {"corporate-services": 1, "confidence": 2}
    assert result.published["f0"] == result.published["director"]
    assert result.published["lawyer"] == result.published["director"]


def test_a_lone_expert_is_said_at_level_1_with_the_rest() -> None:
    mentors = {f"m{n}": MentorTopics("nch", {"housing": 1}) for n in range(4)}
    mentors["expert"] = MentorTopics("nch", {"housing": 3})
    result = k_anonymise_topics(mentors, default_k=5)
    assert len(result.published) == 5
    assert all(topics == {"housing": 1} for topics in result.published.values())


def test_common_levels_are_kept_and_each_org_is_counted_on_its_own() -> None:
    mentors = {f"n{n}": MentorTopics("nch", {"housing": 3}) for n in range(5)}
    mentors |= {f"b{n}": MentorTopics("brent", {"housing": 3}) for n in range(4)}
    result = k_anonymise_topics(mentors, default_k=5)
    assert all(result.published[f"n{n}"] == {"housing": 3} for n in range(5))
    assert result.withheld == {f"b{n}" for n in range(4)}  # nch's five do not cover brent's
    assert set(k_anonymise_topics(mentors, k_by_org={"brent": 4}).published) == set(mentors)


def test_a_topic_outside_the_taxonomy_is_published_only_as_is() -> None:
    mentors = {f"m{n}": MentorTopics("nch", {"future-topic": 2, "housing": 2}) for n in range(5)}
    mentors["odd"] = MentorTopics("nch", {"other-future-topic": 2, "housing": 2})
    result = k_anonymise_topics(mentors, default_k=5)
    assert result.published["m0"] == {"future-topic": 2, "housing": 2}
    assert result.published["odd"] == {"housing": 2}


def test_k_below_two_is_refused_for_topics_too() -> None:
    with pytest.raises(ValueError, match="k for brent"):
        k_anonymise_topics({"m": MentorTopics("brent", {"hr": 1})}, k_by_org={"brent": 1})


@pytest.mark.parametrize(
    "ladder",
    [
        (),
        (TopicStep(up=0, keep_level=False),),
        (
            TopicStep(up=0, keep_level=True),
            TopicStep(up=1, keep_level=False),
            TopicStep(up=0, keep_level=False),
        ),
        (
            TopicStep(up=0, keep_level=True),
            TopicStep(up=0, keep_level=False),
            TopicStep(up=1, keep_level=True),
        ),
        (TopicStep(up=0, keep_level=True), TopicStep(up=2, keep_level=False)),
    ],
)
def test_a_topic_ladder_must_start_exact_and_climb_steadily_within_the_hierarchy(
    ladder: tuple[TopicStep, ...],
) -> None:
    with pytest.raises(ValueError, match=r"ladder|step"):
        TopicScheme(TOPIC_AREAS, ladder)
