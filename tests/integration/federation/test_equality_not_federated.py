"""Equality monitoring is never federated (issue 19): no wire message or card has a field for
it (schema level), and after mentors answer every question, neither the cards a peer pulls,
nor the producer's feed entries, nor any outbox message carries an answer."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import msgspec
from sqlalchemy import select

from federation import wire
from federation.feed import FeedEntry
from federation.outbox import OutboxMessage
from network.federation.feed_pull import pull_feed
from orgs.people.equality import (
    Characteristic,
    EqualityIn,
    EqualityMonitoring,
    MonitoringIn,
    set_monitored,
)
from orgs.registry import OrgRegistry
from tests.integration.federation.test_feed import consumer_org, live_cards, publish_mentors
from tests.live import live_node
from tests.nodes import Node

#: Words no federation schema may use, and the answers given below (distinctive strings).
WORDS = ("ethnic", "disab", "religio", "sexual", "gender", "pregnan", "marri", "equality")
ANSWERS = {
    Characteristic.ETHNIC_GROUP: "asian_pakistani",
    Characteristic.DISABILITY: "yes",
    Characteristic.GENDER_IDENTITY: "different",
    Characteristic.RELIGION_OR_BELIEF: "muslim",
    Characteristic.SEXUAL_ORIENTATION: "gay_lesbian",
    Characteristic.PREGNANCY_MATERNITY: "yes",
    Characteristic.MARRIAGE_CIVIL_PARTNERSHIP: "civil_partnership",
    Characteristic.AGE_BAND: "55_64",
}
DISTINCTIVE = ("asian_pakistani", "muslim", "gay_lesbian", "civil_partnership", "55_64")


def wire_structs() -> list[type[msgspec.Struct]]:
    return [
        obj
        for _, obj in inspect.getmembers(wire, inspect.isclass)
        if issubclass(obj, msgspec.Struct) and obj.__module__ == wire.__name__
    ]


def test_no_federation_message_or_card_has_a_field_for_equality_data() -> None:
    structs = wire_structs()
    assert wire.Card in structs
    assert len(structs) > 10
    schema = msgspec.json.encode(msgspec.json.schema_components(structs)[1]).decode().lower()
    assert [w for w in WORDS if w in schema] == []
    assert [c.value for c in Characteristic if c.value in schema] == []


async def test_answers_never_reach_a_card_the_feed_or_the_outbox(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    mentors = await publish_mentors(theirs, [5, 5, 5, 5, 5])
    async with theirs.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).find("nch")
        assert org is not None
        await set_monitored(session, org.id, MonitoringIn(list(Characteristic)))
        store = EqualityMonitoring(session, org.id)
        for mentor in mentors:
            await store.declare(mentor, EqualityIn(consent=True, answers=ANSWERS))
    await theirs.pin(ours)
    await ours.pin(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            await pull_feed(ours.runtime, theirs.settings.base_url, client)
    cards = await live_cards(ours)
    assert len(cards) == 5  # the cards did travel
    seen: list[Any] = [msgspec.json.encode(cards).decode()]
    async with theirs.runtime.sessionmaker() as session:
        seen += [vars(row) for row in (await session.scalars(select(FeedEntry))).all()]
        seen += [vars(row) for row in (await session.scalars(select(OutboxMessage))).all()]
    async with ours.runtime.sessionmaker() as session:
        seen += [vars(row) for row in (await session.scalars(select(OutboxMessage))).all()]
    text = str(seen).lower()
    assert "card" in text or "handle" in text
    assert [a for a in DISTINCTIVE if a in text] == []
    assert [w for w in WORDS if w in text] == []
