"""Feeds that cost what changed (issue 15.3): the producer builds a consumer's card set again
only after a mentor, a policy or k changed, and the consumer applies a page in a constant
number of statements; after every kind of change, what the consumer holds is exactly what a
full build on the producer gives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from federation import wire
from federation.cards import build_cards
from federation.feed import offers_for
from federation.feed_pages import serve_page
from federation.peer_registry import PeerRegistry
from federation.remote_cards import RemoteCards
from federation.request_auth import sign_request
from federation.signing import new_jti, verify_feed_page
from network.federation.feed_pull import pull_feed
from network.federation.wiring import CARDS_PATH, node_keys, now_s
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member
from orgs.people.profiles import ProfileService
from orgs.schemes.applications import AppState
from orgs.schemes.schemes import SchemeService
from tests.integration.federation.test_feed import (
    card,
    clear_as_mentor,
    consumer_org,
    live_cards,
    publish_mentors,
)
from tests.live import live_node
from tests.nodes import Node

#: What an unchanged feed costs the producer, whatever the number of mentors: the signed
#: request checked (the pinned peers; the durable replay row: a purge, then an insert inside
#: a savepoint: 4), the stamp with the last build (one query), the page (one query) and the
#: key to sign it with. No mentor, profile, application or stored entry is read but the page.
UNCHANGED_STATEMENTS = 8


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` sends inside the block (savepoints and all)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sent(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]


async def full_build(there: Node, consumer: str) -> list[Any]:
    """The consumer's cards as the producer computes them from scratch, now."""
    async with there.runtime.sessionmaker() as session:
        offers = await offers_for(
            session,
            consumer=consumer,
            consumer_orgs=["brent"],
            taken={},
            today=datetime.now(UTC).date(),
        )
        secret = await node_keys(session, there.settings).handle_secret()
    built = build_cards(
        offers.offers, consumer=consumer, handle_secret=secret, k_by_org=offers.k_by_org
    )
    return sorted(msgspec.to_builtins(built.cards), key=lambda c: c["handle"])


async def held(here: Node) -> list[Any]:
    return sorted(msgspec.to_builtins(await live_cards(here)), key=lambda c: c["handle"])


async def test_after_each_kind_of_change_the_consumer_holds_what_a_full_build_gives(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    mentors = await publish_mentors(theirs, [4] * 6, cleared=AppState.APPROVED)
    (newcomer,) = await publish_more(theirs, mentors[0], 1)
    await theirs.pin(ours)
    await ours.pin(theirs)
    me = ours.settings.base_url

    async def set_policy_k(k: int, *, publish: bool = True) -> None:
        async with theirs.runtime.sessionmaker() as session, session.begin():
            await set_policy(
                session,
                mentors[0].org_id,
                SharingPolicy(
                    cross_org=True,
                    publish_cards=publish,
                    k=k,
                    sector="housing",
                    region="east-midlands",
                ),
            )

    async def change_profile(member: Member, **fields: Any) -> None:
        async with theirs.runtime.sessionmaker() as session, session.begin():
            found = await session.get(Member, member.id)
            assert found is not None
            profile = await ProfileService(session, found).mentor()
            assert profile is not None
            for name, value in fields.items():
                setattr(profile, name, value)

    async def approve(member: Member) -> None:
        async with theirs.runtime.sessionmaker() as session, session.begin():
            scheme = await SchemeService(session, member.org_id).by_slug("mentoring")
            await clear_as_mentor(session, member, scheme.id, AppState.APPROVED)

    paused = datetime.now(UTC).date() + timedelta(days=30)
    changes: list[tuple[str, Any]] = [
        ("nothing", None),
        ("a mentor pauses", lambda: change_profile(mentors[0], paused_until=paused)),
        ("a mentor's topics", lambda: change_profile(mentors[1], topics={"housing": 3})),
        ("a mentor is cleared", lambda: approve(newcomer)),
        ("a mentor resumes", lambda: change_profile(mentors[0], paused_until=None)),
        ("k goes up", lambda: set_policy_k(8)),
        ("k comes down", lambda: set_policy_k(5)),
        ("the org stops publishing", lambda: set_policy_k(5, publish=False)),
        ("the org publishes again", lambda: set_policy_k(5)),
    ]
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=30) as client:
            first = await pull_feed(ours.runtime, theirs.settings.base_url, client)
            assert first.error is None, first.error
            assert await held(ours) == await full_build(theirs, me)
            assert len(await held(ours)) == 6
            for label, change in changes:
                if change is not None:
                    await change()
                report = await pull_feed(ours.runtime, theirs.settings.base_url, client)
                assert report.error is None, (label, report.error)
                assert await held(ours) == await full_build(theirs, me), label
                if label == "nothing":
                    assert (report.cards, report.tombstones) == (0, 0)
    assert len(await held(ours)) == 7


async def publish_more(there: Node, colleague: Member, count: int) -> list[Member]:
    """Opted-in mentors of ``colleague``'s org, not yet cleared."""
    async with there.runtime.sessionmaker() as session, session.begin():
        added = []
        for index in range(count):
            member = Member(
                org_id=colleague.org_id,
                employee_id=f"late{index}",
                given_name=f"Late{index}",
                family_name="Jones",
                email=f"late{index}@nch.example",
            )
            session.add(member)
            await session.flush()
            await ProfileService(session, member).save_mentor(
                topics={"housing": 3, "leadership-management": 2},
                seniority_band=4,
                open_to_other_orgs=True,
                pen_picture="",
                languages=["en"],
            )
            added.append(member)
    return added


async def serve(there: Node, here: Node, cursor: str) -> wire.FeedPage:
    """One page as ``there`` serves it to ``here`` (its real use case, in this process)."""
    key = (await here.ring()).active
    query = urlencode({"cursor": cursor})
    signed = sign_request(
        key=key,
        iss=here.settings.base_url,
        aud=there.settings.base_url,
        path=CARDS_PATH,
        query=query,
        now=now_s(),
    )

    async def admit(_peer: str) -> None:
        return None

    async with there.runtime.sessionmaker() as session, session.begin():
        token = await serve_page(
            session,
            node_keys(session, there.settings),
            me=there.settings.base_url,
            authorization=signed.authorization,
            path=CARDS_PATH,
            query=query,
            cursor=cursor,
            now=now_s(),
            admit=admit,
        )
    async with here.runtime.sessionmaker() as session:
        producer = (await PeerRegistry(session).get(there.settings.base_url)).pinned()
    return verify_feed_page(
        token, producer=producer, me=here.settings.base_url, request_jti=signed.jti, now=now_s()
    )


async def test_an_unchanged_feed_is_answered_from_stored_state_in_a_few_statements(
    ours: Node, theirs: Node
) -> None:
    await consumer_org(ours)
    mentors = await publish_mentors(theirs, [4] * 6)
    await theirs.pin(ours)
    await ours.pin(theirs)
    producer = theirs.runtime.engine.sync_engine
    first = await serve(theirs, ours, "")
    assert (first.reset, len(first.cards)) == (True, 6)
    with counting(producer) as statements:
        again = await serve(theirs, ours, first.cursor)
    assert (again.cards, again.tombstones, again.cursor) == ((), (), first.cursor)
    assert any("federation_seen_requests" in s for s in statements), "the request was checked"
    assert not any("mentor_profiles" in s or "applications" in s for s in statements)
    assert not any("INSERT INTO federation_feed_entries" in s for s in statements)
    assert len(sent(statements)) <= UNCHANGED_STATEMENTS, sent(statements)
    # A change of a mentor builds the set again, once: the page after it is stored state.
    async with theirs.runtime.sessionmaker() as session, session.begin():
        found = await session.get(Member, mentors[0].id)
        assert found is not None
        profile = await ProfileService(session, found).mentor()
        assert profile is not None
        profile.topics = {"housing": 2, "leadership-management": 2}
    with counting(producer) as statements:
        changed = await serve(theirs, ours, first.cursor)
    assert len(changed.cards) == 1
    assert any("mentor_profiles" in s for s in statements)
    with counting(producer) as statements:
        settled = await serve(theirs, ours, changed.cursor)
    assert settled.cards == ()
    assert len(sent(statements)) <= UNCHANGED_STATEMENTS, sent(statements)


@pytest.mark.parametrize("size", [5, 500])
async def test_a_page_is_ingested_in_one_delete_and_one_insert_whatever_its_size(
    ours: Node, size: int
) -> None:
    peer = "http://127.0.0.1:9"
    handles = [f"{index:043d}" for index in range(size)]
    now = datetime.now(UTC)

    def page(cards: list[str], tombstones: list[str], *, reset: bool) -> wire.FeedPage:
        return wire.FeedPage(
            iss=peer,
            aud=ours.settings.base_url,
            iat=now_s(),
            exp=now_s() + 3600,
            jti=new_jti(),
            request_jti=new_jti(),
            cards=tuple(card(h) for h in cards),
            tombstones=tuple(wire.Tombstone(handle=h) for h in tombstones),
            cursor=str(len(cards)),
            reset=reset,
        )

    async with ours.runtime.sessionmaker() as session, session.begin():
        await RemoteCards(session).ingest(peer, page(handles, [], reset=True), now)
    with counting(ours.runtime.engine.sync_engine) as statements:
        async with ours.runtime.sessionmaker() as session, session.begin():
            # Every card again (changed or not) and a tombstone for the first.
            again = page(handles[1:], handles[:1], reset=False)
            await RemoteCards(session).ingest(peer, again, now)
    assert [s.split()[0].upper() for s in sent(statements)] == ["DELETE", "INSERT"]
    async with ours.runtime.sessionmaker() as session:
        rows = await RemoteCards(session).live(now)
    assert sorted(row.handle for row in rows) == handles[1:]
