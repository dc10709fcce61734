"""Building one consumer's cards from the mentors a node may share with it (pure).

The caller chooses the mentors: opted in to cross-organisation mentoring, cleared by their org,
in an org that shares with this consumer. Here: drop those with no free place, k-anonymise their
facts and their topics, give each a handle for this consumer, and sort by handle so the order
reveals nothing (not seniority, not join date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from federation import wire
from federation.anonymise import (
    DEFAULT_K,
    DEFAULT_SCHEME,
    DEFAULT_TOPIC_SCHEME,
    Anonymised,
    AnonymisedTopics,
    MentorFacts,
    MentorTopics,
    Scheme,
    TopicScheme,
    bucket_free_slots,
    k_anonymise,
    k_anonymise_topics,
)
from federation.handles import card_handle


@dataclass(frozen=True)
class MentorOffer:
    mentor_id: str
    facts: MentorFacts
    topics: Mapping[str, int]  # taxonomy id → level 1..3
    meeting_modes: frozenset[wire.MeetingMode]
    free_slots: int
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CardSet:
    cards: tuple[wire.Card, ...]
    withheld: frozenset[str]  # mentor ids with free places that k-anonymity kept back
    unknown_facts: Mapping[str, str]


def build_cards(
    offers: Iterable[MentorOffer],
    *,
    consumer: str,
    handle_secret: bytes,
    k_by_org: Mapping[str, int] | None = None,
    default_k: int = DEFAULT_K,
    scheme: Scheme = DEFAULT_SCHEME,
    topic_scheme: TopicScheme = DEFAULT_TOPIC_SCHEME,
) -> CardSet:
    available = {offer.mentor_id: offer for offer in offers if offer.free_slots > 0}
    anonymised, topics = _anonymise(available, k_by_org, default_k, scheme, topic_scheme)
    cards = []
    for mentor_id, coarse in anonymised.published.items():
        offer = available[mentor_id]
        free_slots = bucket_free_slots(offer.free_slots)
        assert free_slots is not None  # only mentors with a free place were anonymised
        cards.append(
            wire.Card(
                handle=card_handle(handle_secret, consumer, mentor_id),
                org=coarse.org,
                topics=tuple(
                    wire.TopicOffer(topic=topic, level=level)
                    for topic, level in sorted(topics.published[mentor_id].items())
                ),
                band=wire.BandRange(low=coarse.band[0], high=coarse.band[1]),
                region=coarse.region,
                sector=coarse.sector,
                meeting_modes=tuple(sorted(offer.meeting_modes)),
                free_slots=free_slots,
                languages=tuple(sorted(offer.languages)),
            )
        )
    return CardSet(
        cards=tuple(sorted(cards, key=lambda card: card.handle)),
        withheld=frozenset(available) - frozenset(anonymised.published),
        unknown_facts=anonymised.unknown_facts,
    )


def _anonymise(
    available: Mapping[str, MentorOffer],
    k_by_org: Mapping[str, int] | None,
    default_k: int,
    scheme: Scheme,
    topic_scheme: TopicScheme,
) -> tuple[Anonymised[str], AnonymisedTopics[str]]:
    """Facts and topics k-anonymous over the same set of cards.

    Topics are counted over the mentors whose facts can be published; a mentor left with no
    topic gets no card, which can break a group of k facts, so the facts are anonymised again
    without them, and so on until no card is lost (each round drops someone: it ends).
    """
    candidates = dict(available)
    while True:
        anonymised = k_anonymise(
            {mentor_id: offer.facts for mentor_id, offer in candidates.items()},
            k_by_org=k_by_org,
            default_k=default_k,
            scheme=scheme,
        )
        topics = k_anonymise_topics(
            {
                mentor_id: MentorTopics(
                    candidates[mentor_id].facts.org, candidates[mentor_id].topics
                )
                for mentor_id in anonymised.published
            },
            k_by_org=k_by_org,
            default_k=default_k,
            scheme=topic_scheme,
        )
        if not topics.withheld:
            return anonymised, topics
        candidates = {m: offer for m, offer in candidates.items() if m not in topics.withheld}
