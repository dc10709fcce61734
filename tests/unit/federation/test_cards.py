"""One consumer's cards: mentors with a free place, anonymised, in an order that tells nothing."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from federation import wire
from federation.anonymise import MentorFacts
from federation.cards import MentorOffer, build_cards
from federation.handles import card_handle

from .builders import NODE_A, NODE_C

SECRET = bytes(range(32))


def offer(n: int, *, band: int = 4, free: int = 2) -> MentorOffer:
    return MentorOffer(
        mentor_id=f"mentor-{n}",
        facts=MentorFacts("nch", band, "east-midlands", "housing"),
        topics={"housing": 3, "confidence": 2},
        meeting_modes=frozenset({"remote", "in_person"}),
        free_slots=free,
        languages=frozenset({"en", "pl"}),
    )


def test_cards_carry_coarse_facts_and_a_handle_for_this_consumer() -> None:
    result = build_cards([offer(n) for n in range(5)], consumer=NODE_A, handle_secret=SECRET)
    assert len(result.cards) == 5
    card = next(c for c in result.cards if c.handle == card_handle(SECRET, NODE_A, "mentor-0"))
    assert card == wire.Card(
        handle=card_handle(SECRET, NODE_A, "mentor-0"),
        org="nch",
        topics=(
            wire.TopicOffer(topic="confidence", level=2),
            wire.TopicOffer(topic="housing", level=3),
        ),
        band=wire.BandRange(low=4, high=4),
        region="east-midlands",
        sector="housing",
        meeting_modes=("in_person", "remote"),
        free_slots="2-3",
        languages=("en", "pl"),
    )


def test_mentors_without_a_free_place_are_not_published_nor_counted() -> None:
    offers = [offer(n) for n in range(4)] + [offer(9, free=0)]
    result = build_cards(offers, consumer=NODE_A, handle_secret=SECRET)
    assert result.cards == ()
    assert result.withheld == {f"mentor-{n}" for n in range(4)}


def test_cards_are_ordered_by_handle_not_by_mentor() -> None:
    result = build_cards([offer(n) for n in range(8)], consumer=NODE_A, handle_secret=SECRET)
    handles = [card.handle for card in result.cards]
    assert handles == sorted(handles)


def test_another_consumer_gets_other_handles_for_the_same_cards() -> None:
    offers = [offer(n) for n in range(5)]
    to_a = build_cards(offers, consumer=NODE_A, handle_secret=SECRET).cards
    to_c = build_cards(offers, consumer=NODE_C, handle_secret=SECRET).cards
    assert {c.handle for c in to_a}.isdisjoint({c.handle for c in to_c})


def mentor(name: str, band: int, topics: dict[str, int]) -> MentorOffer:
    return MentorOffer(
        mentor_id=name,
        facts=MentorFacts("nch", band, "east-midlands", "housing"),
        topics=topics,
        meeting_modes=frozenset({"remote"}),
        free_slots=1,
    )


def test_a_mentor_whose_topics_are_all_too_rare_gets_no_card_and_breaks_no_group() -> None:
    band_4 = [mentor(f"m{n}", 4, {"housing": 3}) for n in range(4)]
    lonely = mentor("lonely", 4, {"hr": 3})
    band_5 = [mentor(f"b{n}", 5, {"housing": 3}) for n in range(5)]
    result = build_cards([*band_4, lonely, *band_5], consumer=NODE_A, handle_secret=SECRET)
    # Without lonely the four band-4 mentors are no group of 5: they are withheld, not
    # published as a group of four at band 4.
    assert [(c.band.low, c.band.high) for c in result.cards] == [(5, 5)] * 5
    assert result.withheld == {"lonely", "m0", "m1", "m2", "m3"}
    assert all(c.topics == (wire.TopicOffer(topic="housing", level=3),) for c in result.cards)


def test_a_rare_topic_is_published_as_its_area() -> None:
    offers = [mentor(f"f{n}", 4, {"finance": 2, "housing": 3}) for n in range(4)]
    offers.append(mentor("hr", 4, {"hr": 3, "housing": 3}))
    result = build_cards(offers, consumer=NODE_A, handle_secret=SECRET)
    assert len(result.cards) == 5
    assert {c.topics for c in result.cards} == {
        (
            wire.TopicOffer(topic="corporate-services", level=1),
            wire.TopicOffer(topic="housing", level=3),
        )
    }


TOPIC_IDS = ["housing", "hr", "finance", "legal", "confidence", "career-review", "networks"]
offers = st.builds(
    MentorOffer,
    mentor_id=st.uuids().map(str),
    facts=st.builds(
        MentorFacts,
        org=st.sampled_from(["brent", "nch"]),
        band=st.integers(3, 6),
        region=st.sampled_from(["london", "east-midlands"]),
        sector=st.sampled_from(["housing", "local-government"]),
    ),
    topics=st.dictionaries(st.sampled_from(TOPIC_IDS), st.integers(1, 3), min_size=1, max_size=4),
    meeting_modes=st.just(frozenset({"remote"})),
    free_slots=st.integers(0, 3),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(offers, max_size=60), st.integers(2, 6))
def test_every_card_set_is_k_anonymous_in_its_facts_and_in_its_topics(
    population: list[MentorOffer], k: int
) -> None:
    result = build_cards(population, consumer=NODE_A, handle_secret=SECRET, default_k=k)
    combos = Counter((c.org, c.band, c.region, c.sector) for c in result.cards)
    assert all(count >= k for count in combos.values())
    said = Counter((c.org, t.topic, t.level) for c in result.cards for t in c.topics)
    assert all(count >= k for count in said.values())
    published = {o.mentor_id for o in population if o.free_slots > 0} - result.withheld
    assert len(result.cards) == len(published)
