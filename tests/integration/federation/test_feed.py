"""The card feed between real nodes: only for pinned peers, anonymised, incremental, and a
consumer that never trades its last valid feed for an invalid page; cards only for cleared mentors,
with rare topics said only as their area."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.encoding import b64url_decode
from federation.feed import Feed
from federation.key_ring import KeyRing, generate_key
from federation.node_documents import build_node_document, sign_node_document
from federation.peer_registry import PeerRegistry
from federation.remote_cards import RemoteCards
from federation.signing import new_jti, sign
from network.federation.feed_pull import pull_feed
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.registry import OrgRegistry
from orgs.schemes.applications import (
    Application,
    ApplicationRepository,
    ApplicationService,
    AppState,
)
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeService, SchemeSpec
from tests.live import free_port, live_node
from tests.nodes import Node

NAMES = [f"Person{i}" for i in range(8)]


HOUSING_LEAD = {"housing": 3, "leadership-management": 2}


async def publish_mentors(
    there: Node,
    bands: list[int],
    *,
    cleared: AppState | None = AppState.APPROVED,
    topics: list[dict[str, int]] | None = None,
) -> list[Member]:
    """An org on ``there`` publishing cards of opted-in mentors with these seniority bands
    (offering ``topics``, one per mentor; default HOUSING_LEAD), each with a mentor application
    in ``cleared`` state to its open scheme (none if None)."""
    async with there.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).create("nch", "Nottingham City Homes")
        await set_policy(
            session,
            org.id,
            SharingPolicy(
                cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
            ),
        )
        scheme = await SchemeService(session, org.id).create(
            SchemeSpec(slug="mentoring", name="Mentoring")
        )
        members = []
        for index, band in enumerate(bands):
            member = MemberRepository(session, org.id).add(
                Member(
                    employee_id=f"n{index}",
                    given_name=NAMES[index],
                    family_name="Smith",
                    email=f"{NAMES[index].lower()}@nch.example",
                )
            )
            await session.flush()
            await ProfileService(session, member).save_mentor(
                topics=topics[index] if topics else HOUSING_LEAD,
                seniority_band=band,
                open_to_other_orgs=True,
                pen_picture=f"{NAMES[index]} has run housing services for years",
                languages=["en", "English"],
            )
            if cleared is not None:
                await clear_as_mentor(session, member, scheme.id, cleared)
            members.append(member)
    return members


async def clear_as_mentor(
    session: AsyncSession, member: Member, scheme_id: uuid.UUID, state: AppState
) -> Application:
    """The state a mentor application reaches after its line manager (or the HR director)."""
    return ApplicationRepository(session, member.org_id).add(
        Application(
            scheme_id=scheme_id,
            member_id=member.id,
            role=SchemeRole.MENTOR,
            state=state,
            eligible=True,
            eligibility_reasons=[],
        )
    )


async def consumer_org(here: Node) -> None:
    async with here.runtime.sessionmaker() as session, session.begin():
        await OrgRegistry(session).create("brent", "London Borough of Brent")


async def live_cards(here: Node, when: datetime | None = None) -> list[wire.Card]:
    async with here.runtime.sessionmaker() as session:
        rows = await RemoteCards(session).live(when or datetime.now(UTC))
        return [row.as_card() for row in rows]


async def test_a_pinned_peer_gets_anonymised_cards_and_a_lone_rare_mentor_stays_hidden(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    await publish_mentors(theirs, [5, 5, 5, 5, 5, 9])
    await theirs.pin(ours)
    await ours.pin(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            report = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert report.error is None
    cards = await live_cards(ours)
    assert len(cards) == 5  # the band-9 mentor has no group of 5 at any level: withheld
    combos: dict[tuple[str, int, int, str, str], int] = {}
    for card in cards:
        key = (card.org, card.band.low, card.band.high, card.region, card.sector)
        combos[key] = combos.get(key, 0) + 1
    assert all(count >= 5 for count in combos.values())
    assert all(card.band.high < 9 for card in cards)
    serialised = json.dumps([msgspec.to_builtins(card) for card in cards])
    for name in NAMES:
        assert name not in serialised
    assert "@nch.example" not in serialised
    assert "housing services" not in serialised
    assert all(card.languages == ("en",) for card in cards)  # free text dropped, tag kept


async def test_pausing_a_mentor_reaches_the_consumer_as_a_tombstone(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    mentors = await publish_mentors(theirs, [4, 4, 4, 4, 4, 4])
    await theirs.pin(ours)
    await ours.pin(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            await pull_feed(ours.runtime, theirs.settings.base_url, client)
            assert len(await live_cards(ours)) == 6
            async with theirs.runtime.sessionmaker() as session, session.begin():
                member = await session.get(Member, mentors[0].id)
                assert member is not None
                profile = await ProfileService(session, member).mentor()
                assert profile is not None
                profile.paused_until = datetime.now(UTC).date() + timedelta(days=30)
            second = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert (second.cards, second.tombstones) == (0, 1)
    assert len(await live_cards(ours)) == 5


async def published_mentors(here: Node, there: Node) -> set[uuid.UUID]:
    """The mentors behind the cards ``here`` holds from ``there`` (the producer's own map)."""
    cards = await live_cards(here)
    async with there.runtime.sessionmaker() as session:
        feed = Feed(session, here.settings.base_url)
        found = {await feed.mentor_for(card.handle) for card in cards}
    assert None not in found
    return {mentor for mentor in found if mentor is not None}


async def test_only_mentors_cleared_by_their_org_are_published_and_a_withdrawal_unpublishes(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    mentors = await publish_mentors(theirs, [4] * 7, cleared=None)  # profiles, no approval
    lone, excepted, *approved = mentors
    async with theirs.runtime.sessionmaker() as session, session.begin():
        scheme = await SchemeService(session, lone.org_id).by_slug("mentoring")
        for member in approved:
            await clear_as_mentor(session, member, scheme.id, AppState.APPROVED)
        await clear_as_mentor(session, excepted, scheme.id, AppState.EXCEPTION_GRANTED)
        # Applied, but the line manager has not said yes: not cleared either.
        waiting = await clear_as_mentor(session, lone, scheme.id, AppState.AWAITING_LINE_MANAGER)
    await theirs.pin(ours)
    await ours.pin(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            first = await pull_feed(ours.runtime, theirs.settings.base_url, client)
            assert (first.error, first.cards) == (None, 6)
            assert await published_mentors(ours, theirs) == {m.id for m in mentors} - {lone.id}
            async with theirs.runtime.sessionmaker() as session, session.begin():
                application = await session.get(Application, waiting.id)
                assert application is not None
                application.state = AppState.APPROVED  # the line manager says yes
            second = await pull_feed(ours.runtime, theirs.settings.base_url, client)
            assert (second.cards, second.tombstones) == (1, 0)
            assert lone.id in await published_mentors(ours, theirs)
            async with theirs.runtime.sessionmaker() as session, session.begin():
                applicant = await session.get(Member, lone.id)
                assert applicant is not None
                await ApplicationService(session, lone.org_id).withdraw(
                    Actor.of_member(applicant), waiting.id, "no time this year"
                )
            third = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert (third.error, third.cards, third.tombstones) == (None, 0, 1)
    assert await published_mentors(ours, theirs) == {m.id for m in mentors} - {lone.id}


async def test_a_scheme_that_ends_takes_its_mentors_off_the_feed(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    mentors = await publish_mentors(theirs, [4] * 6)
    await theirs.pin(ours)
    await ours.pin(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            first = await pull_feed(ours.runtime, theirs.settings.base_url, client)
            assert (first.error, first.cards) == (None, 6)
            async with theirs.runtime.sessionmaker() as session, session.begin():
                scheme = await session.scalar(
                    select(Scheme).where(Scheme.org_id == mentors[0].org_id)
                )
                assert scheme is not None
                scheme.ends_on = datetime.now(UTC).date() - timedelta(days=1)
            ended = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert (ended.error, ended.cards, ended.tombstones) == (None, 0, 6)
    assert await live_cards(ours) == []


async def test_a_topic_only_one_mentor_offers_reaches_the_peer_only_as_its_area(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    director = {"hr": 3, "career-review": 3, "applying-promotion": 3, "leadership-management": 2}
    finance = {"finance": 2, "leadership-management": 2}
    mentors = await publish_mentors(
        theirs, [4] * 6, topics=[director, finance, finance, finance, finance, HOUSING_LEAD]
    )
    await theirs.pin(ours)
    await ours.pin(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            report = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert (report.error, report.cards) == (None, 6)
    cards = await live_cards(ours)
    said = Counter((card.org, t.topic, t.level) for card in cards for t in card.topics)
    assert said == {
        ("nch", "leadership-management", 2): 6,
        ("nch", "corporate-services", 1): 5,  # hr and finance: the director is one of five
    }  # housing (one mentor), career review and promotion (the director) are left off
    async with theirs.runtime.sessionmaker() as session:
        feed = Feed(session, ours.settings.base_url)
        by_mentor = {await feed.mentor_for(card.handle): card for card in cards}
    assert {t.topic for t in by_mentor[mentors[0].id].topics} == {
        "corporate-services",
        "leadership-management",
    }
    assert by_mentor[mentors[0].id].topics == by_mentor[mentors[1].id].topics


async def test_the_feed_refuses_anyone_but_a_pinned_peer(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await publish_mentors(theirs, [5, 5, 5, 5, 5])
    await ours.pin(theirs)  # but they do not pin us
    url = f"{theirs.settings.base_url}/federation/v1/cards"
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            anonymous = await client.get(url)
            report = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert report.error is not None
    assert "401" in report.error
    assert await live_cards(ours) == []


class FakeProducer:
    """A peer under the test's control, over real HTTP, that can sign bad pages."""

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ring = KeyRing(active=generate_key(int(time.time())))
        self.stranger = generate_key(int(time.time()))
        self.mode = "valid"
        self.cards: tuple[wire.Card, ...] = ()

    def document(self) -> str:
        now = int(time.time())
        document = build_node_document(
            ring=self.ring,
            node_id=self.url,
            name="Fake",
            orgs=[wire.HostedOrg(slug="fake", display_name="Fake")],
            endpoints=wire.Endpoints(
                inbox=f"{self.url}/federation/v1/inbox", cards=f"{self.url}/federation/v1/cards"
            ),
            now=now,
        )
        return sign_node_document(document, self.ring.active)

    def page(self, request_jti: str) -> str:
        now = int(time.time())
        iat, exp, aud = now, now + 3600, self.consumer
        key = self.ring.active
        if self.mode == "expired":
            iat, exp = now - 7200, now - 3600
        if self.mode == "wrong-audience":
            aud = "http://127.0.0.1:9"
        if self.mode == "unknown-key":
            key = self.stranger
        cards = self.cards
        if self.mode == "foreign-org":  # speaks for an org its document does not list
            cards = tuple(msgspec.structs.replace(c, org="brent") for c in cards)
        token = sign(
            wire.FeedPage(
                iss=self.url,
                aud=aud,
                iat=iat,
                exp=exp,
                jti=new_jti(),
                request_jti=request_jti,
                cards=cards,
                tombstones=(),
                cursor="1",
                reset=True,
            ),
            key,
        )
        if self.mode == "bad-signature":
            head, body, signature = token.split(".")
            token = f"{head}.{body}.{signature[::-1]}"
        return token

    @contextmanager
    def serving(self) -> Iterator[None]:
        producer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization", "")
                payload = json.loads(b64url_decode(authorization.split(" ")[1].split(".")[1]))
                body = producer.page(payload["jti"]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/jose")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()


def card(handle: str) -> wire.Card:
    return wire.Card(
        handle=handle,
        org="fake",
        topics=(wire.TopicOffer(topic="housing", level=2),),
        band=wire.BandRange(low=4, high=6),
        region="england",
        sector="housing",
        meeting_modes=("remote",),
        free_slots="1",
    )


@pytest.mark.parametrize(
    "mode", ["bad-signature", "expired", "wrong-audience", "unknown-key", "foreign-org"]
)
async def test_an_invalid_page_never_replaces_the_last_valid_feed(ours: Node, mode: str) -> None:
    producer = FakeProducer(ours.settings.base_url)
    producer.cards = (card("A" * 43), card("B" * 43))
    async with ours.runtime.sessionmaker() as session, session.begin():
        await PeerRegistry(session).add(
            producer.document(),
            url=producer.url,
            fingerprint=producer.ring.active.public.fingerprint,
            now=int(time.time()),
        )
    await ours.ring()
    with producer.serving():
        async with httpx.AsyncClient(timeout=10) as client:
            first = await pull_feed(ours.runtime, producer.url, client)
            assert first.error is None, first.error
            producer.mode = mode
            # A valid reset page would now empty the feed, or replace its two cards.
            producer.cards = (card("D" * 43),) if mode == "foreign-org" else ()
            refused = await pull_feed(ours.runtime, producer.url, client)
    assert refused.error is not None
    assert sorted(c.handle for c in await live_cards(ours)) == ["A" * 43, "B" * 43]


async def test_cards_expire_with_their_page(ours: Node) -> None:
    producer = FakeProducer(ours.settings.base_url)
    producer.cards = (card("C" * 43),)
    async with ours.runtime.sessionmaker() as session, session.begin():
        await PeerRegistry(session).add(
            producer.document(),
            url=producer.url,
            fingerprint=producer.ring.active.public.fingerprint,
            now=int(time.time()),
        )
    await ours.ring()
    with producer.serving():
        async with httpx.AsyncClient(timeout=10) as client:
            await pull_feed(ours.runtime, producer.url, client)
    assert len(await live_cards(ours)) == 1
    assert await live_cards(ours, datetime.now(UTC) + timedelta(hours=2)) == []
