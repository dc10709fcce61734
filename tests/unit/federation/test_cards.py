"""One consumer's cards: mentors with a free place, anonymised, in an order that tells nothing."""

from __future__ import annotations

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
