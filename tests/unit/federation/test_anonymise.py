"""k-anonymity of cards: no published (org, band, region, sector) covers fewer than k mentors."""

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
    Hierarchy,
    MentorFacts,
    Scheme,
    Step,
    bucket_free_slots,
    k_anonymise,
)

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
