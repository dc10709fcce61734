"""Federation tenancy, over real HTTP to a live node: a peer speaks only for the organisations
it hosts, and only about the requests and relationships it is party to.

The node under attack (``theirs``, served live) pins two peers, each a real signing identity
with its own key and node document: P (hosts ``brent``), the party to every request here, and
C (hosts ``harrow``), a third node that knows P's ids. Every message C sends about P's
business is answered without any change to the node's database; the same message from P then
takes effect, so each refusal is shown to be about the sender, not the message.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from federation import wire
from federation.node_documents import pin_new_peer
from federation.peer_registry import PeerRegistry
from federation.relationship_outbox import outbox_sink
from federation.remote_cards import RemoteCard, RemoteCards
from federation.request_auth import sign_request
from federation.signing import verify_feed_page
from network.federation.feed_pull import pull_feed
from network.federation.wiring import CARDS_PATH, INBOX_PATH, now_s
from orgs.mentoring.relationships import Relationship
from orgs.pairing.requests import (
    MentoringRequest,
    RankedMentor,
    RemoteMentor,
    RequestService,
    RequestsIn,
)
from orgs.pairing.sharing import SharingPolicy
from orgs.people.members import Member
from orgs.redaction import ERASED_NAME
from tests.e2e.test_cross_node_request import approved_person, setup_org
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, changed, handle

PUBLISHING = SharingPolicy(
    cross_org=True, publish_cards=True, k=2, sector="housing", region="east-midlands"
)
TOPICS = (wire.TopicWant(topic="housing", importance=5),)


# --- what the node holds --------------------------------------------------------------------


async def relationship(node: Node, peer: str, ref: str) -> Relationship:
    async with node.runtime.sessionmaker() as session:
        found = await session.scalar(
            select(Relationship).where(
                Relationship.remote_peer == peer, Relationship.remote_ref == ref
            )
        )
        assert found is not None
        return found


async def request(node: Node, peer: str, ref: str) -> MentoringRequest:
    async with node.runtime.sessionmaker() as session:
        found = await session.scalar(
            select(MentoringRequest).where(
                MentoringRequest.remote_peer == peer, MentoringRequest.remote_ref == ref
            )
        )
        assert found is not None
        return found


# --- the scene --------------------------------------------------------------------------------


@dataclass
class Scene:
    there: Node
    client: httpx.AsyncClient
    p: Identity
    c: Identity
    handles: list[str]  # the card handles the node issued to P
    org_id: uuid.UUID
    scheme_id: uuid.UUID
    mentors: list[Member]
    mentee: Member

    async def post(self, sender: Identity, message: wire.InboxMessage) -> httpx.Response:
        return await self.client.post(
            self.there.settings.base_url + INBOX_PATH,
            content=sender.sign(message),
            headers={"Content-Type": "application/jose"},
        )

    async def create(self, sender: Identity, card: str, mentee_org: str) -> tuple[str, Any]:
        ref = handle()[:32]
        message = sender.message(
            wire.RequestCreate,
            self.there,
            request_id=ref,
            card=card,
            mentee_org=mentee_org,
            topics=TOPICS,
            meeting_modes=("remote",),
            answer_by=now_s() + 5 * 86_400,
        )
        return ref, await self.post(sender, message)

    async def send_ours(self, handles: list[str]) -> list[str]:
        """The node's own mentee asks P's mentors (cards we hold): outgoing requests."""
        async with self.there.runtime.sessionmaker() as session, session.begin():
            rows = await RequestService(session, self.org_id, outbox_sink(session)).send(
                self.mentee,
                RequestsIn(
                    scheme_id=self.scheme_id,
                    mentors=[
                        RankedMentor(remote=RemoteMentor(peer=self.p.node_id, handle=h))
                        for h in handles
                    ],
                ),
                datetime.now(UTC),
            )
            return [str(row.remote_ref) for row in rows]

    async def accept_incoming(self, ref: str) -> None:
        """The node's mentor accepts P's request on their own node."""
        req = await request(self.there, self.p.node_id, ref)
        async with self.there.runtime.sessionmaker() as session, session.begin():
            mentor = await session.get(Member, req.mentor_id)
            assert mentor is not None
            await RequestService(session, self.org_id, outbox_sink(session)).accept(
                mentor, req.id, datetime.now(UTC)
            )


async def pull_handles(there: Node, p: Identity, client: httpx.AsyncClient) -> list[str]:
    """P fetches the node's card feed with a request P signed, as any consumer does."""
    producer = pin_new_peer(
        await there.document(),
        url=there.settings.base_url,
        fingerprint=(await there.ring()).active.public.fingerprint,
        now=now_s(),
    ).peer
    query = urlencode({"cursor": ""})
    signed = sign_request(
        key=p.key,
        iss=p.node_id,
        aud=there.settings.base_url,
        path=CARDS_PATH,
        query=query,
        now=now_s(),
    )
    response = await client.get(
        f"{there.settings.base_url}{CARDS_PATH}?{query}",
        headers={"Authorization": signed.authorization},
    )
    assert response.status_code == 200, response.text
    page = verify_feed_page(
        response.text, producer=producer, me=p.node_id, request_jti=signed.jti, now=now_s()
    )
    return [card.handle for card in page.cards]


@pytest.fixture
async def scene(theirs: Node, peer_port: int) -> AsyncIterator[Scene]:
    org_id, scheme_id = await setup_org(theirs, "nch", "Nottingham City Homes", PUBLISHING)
    mentors = [
        await approved_person(
            theirs, org_id, scheme_id, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
        for i in range(3)
    ]
    mentee = await approved_person(
        theirs, org_id, scheme_id, "m1", ("Nia", "Mensah"), mentee={"housing": 5}
    )
    p = Identity(f"http://127.0.0.1:{free_port()}", ("brent",))
    c = Identity(f"http://127.0.0.1:{free_port()}", ("harrow",))
    await p.pinned_by(theirs)
    await c.pinned_by(theirs)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            handles = await pull_handles(theirs, p, client)
            assert len(handles) == 3
            yield Scene(theirs, client, p, c, handles, org_id, scheme_id, mentors, mentee)


# --- 5. a peer speaks only for the organisations it hosts --------------------------------------


async def test_a_request_for_an_org_its_sender_does_not_host_is_refused_and_nothing_stored(
    scene: Scene,
) -> None:
    before = await scene.there.tables()
    # P names C's organisation as its mentee's; C names P's.
    for sender, org in ((scene.p, "harrow"), (scene.c, "brent"), (scene.p, "lambeth")):
        _, answer = await scene.create(sender, scene.handles[0], org)
        assert answer.status_code == 403, answer.text
        assert answer.json()["type"] == "urn:mentornet:problem:org-not-hosted"
        assert org in answer.json()["detail"]
    # Not stored, not acknowledged, no decline queued, no request for the mentor.
    assert changed(before, await scene.there.tables()) == set()

    ref, answer = await scene.create(scene.p, scene.handles[0], "brent")
    assert answer.status_code == 202, answer.text
    assert (await request(scene.there, scene.p.node_id, ref)).state == "open"


async def test_a_feed_page_with_a_card_for_an_org_the_producer_does_not_host_changes_nothing(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    """A producer publishing for an org its pinned document does not list (here: an org it
    added after we pinned it) gets its whole page refused until we refresh its document."""
    await setup_org(ours, "brent", "London Borough of Brent", SharingPolicy(cross_org=True))
    nch_id, nch_scheme = await setup_org(theirs, "nch", "Nottingham City Homes", PUBLISHING)
    for i in range(2):
        await approved_person(
            theirs, nch_id, nch_scheme, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
    await ours.pin(theirs)
    await theirs.pin(ours)
    new_id, new_scheme = await setup_org(theirs, "newco", "New Housing Co", PUBLISHING)
    for i in range(2):
        await approved_person(
            theirs, new_id, new_scheme, f"x{i}", (f"Other{i}", "Khan"), mentor={"housing": 2}
        )
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            before = await ours.tables()
            refused = await pull_feed(ours.runtime, theirs.settings.base_url, client)
            assert refused.error is not None
            assert refused.error.startswith("org-not-hosted: ")
            assert "newco" in refused.error
            after = await ours.tables()
            # Only the pull's own record of the failure; no card, no cursor.
            assert changed(before, after) == {"federation_feed_state"}
            async with ours.runtime.sessionmaker() as session:
                assert await session.scalar(select(RemoteCard.id)) is None
                state = await RemoteCards(session).state(theirs.settings.base_url)
                assert state.cursor == ""

            async with ours.runtime.sessionmaker() as session, session.begin():
                registry = PeerRegistry(session)
                row = await registry.get(theirs.settings.base_url)
                await registry.refresh(row, await theirs.document(), now_s())
            pulled = await pull_feed(ours.runtime, theirs.settings.base_url, client)
    assert (pulled.error, pulled.cards) == (None, 4)
    async with ours.runtime.sessionmaker() as session:
        orgs = sorted((await session.scalars(select(RemoteCard.org))).all())
    assert orgs == ["nch", "nch", "newco", "newco"]


# --- 6. only the peer party to a request or relationship speaks about it ------------------------


async def refused_then_taken(
    scene: Scene, kind: type[wire.InboxMessage], status: int, **fields: Any
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """C sends ``kind`` about P's business (answered ``status``, nothing changes but what the
    status allows); then P sends the same. Returns the state before and after P's message."""
    before = await scene.there.tables()
    answer = await scene.post(scene.c, scene.c.message(kind, scene.there, **fields))
    assert answer.status_code == status, answer.text
    unchanged = await scene.there.tables()
    # A 404 rolls back everything; a 202 stores the message (the acknowledgement) and no more.
    assert changed(before, unchanged) == (set() if status == 404 else {"federation_inbox"})
    answer = await scene.post(scene.p, scene.p.message(kind, scene.there, **fields))
    assert answer.status_code == 202, answer.text
    return unchanged, await scene.there.tables()


async def test_a_third_peer_cannot_withdraw_anothers_request(scene: Scene) -> None:
    ref, _ = await scene.create(scene.p, scene.handles[0], "brent")
    await refused_then_taken(scene, wire.RequestWithdraw, 404, request_id=ref)
    assert (await request(scene.there, scene.p.node_id, ref)).state == "withdrawn"


async def test_a_third_peer_cannot_introduce_a_mentee_into_anothers_request(
    scene: Scene,
) -> None:
    ref, _ = await scene.create(scene.p, scene.handles[0], "brent")
    await scene.accept_incoming(ref)
    intro = wire.Introduction(name="Hana Harrow", work_email="hana@harrow.example")
    await refused_then_taken(scene, wire.RequestIntroduce, 404, request_id=ref, mentee=intro)
    assert (await request(scene.there, scene.p.node_id, ref)).counterpart_name == "Hana Harrow"


async def test_a_third_peer_cannot_accept_or_decline_a_request_sent_to_another(
    scene: Scene,
) -> None:
    first, second = await scene.send_ours([handle(), handle()])
    await refused_then_taken(
        scene, wire.RequestDecline, 404, request_id=first, reason="no-capacity"
    )
    assert (await request(scene.there, scene.p.node_id, first)).state == "declined"
    # The decline moved the batch on: P's second mentor is asked now.
    assert (await request(scene.there, scene.p.node_id, second)).state == "open"
    intro = wire.Introduction(name="Marta Brent", work_email="marta@brent.example")
    await refused_then_taken(scene, wire.RequestAccept, 404, request_id=second, mentor=intro)
    accepted = await request(scene.there, scene.p.node_id, second)
    assert (accepted.state, accepted.counterpart_name) == ("accepted", "Marta Brent")


async def test_a_third_peer_cannot_end_anothers_relationship(scene: Scene) -> None:
    ref, _ = await scene.create(scene.p, scene.handles[0], "brent")
    await scene.accept_incoming(ref)
    await refused_then_taken(scene, wire.RelationshipEnd, 404, request_id=ref, reason="ended-early")
    ended = await relationship(scene.there, scene.p.node_id, ref)
    assert (ended.state, ended.end_kind) == ("ended", "ended_remotely")


async def test_a_third_peers_erasure_touches_only_what_it_sent(scene: Scene) -> None:
    """``member.erase`` may name ids the receiver no longer holds (a request declined on
    receipt, a card already expired), so ids that are not the sender's are ignored, not
    refused: C's erase is stored and changes nothing; P's erases."""
    ref, _ = await scene.create(scene.p, scene.handles[0], "brent")
    await scene.accept_incoming(ref)
    intro = wire.Introduction(name="Hana Harrow", work_email="hana@harrow.example")
    answer = await scene.post(
        scene.p, scene.p.message(wire.RequestIntroduce, scene.there, request_id=ref, mentee=intro)
    )
    assert answer.status_code == 202, answer.text
    cards = await hold_cards_of(scene)
    introduced = await relationship(scene.there, scene.p.node_id, ref)
    assert (introduced.counterpart_name, introduced.counterpart_email) == (
        "Hana Harrow",
        "hana@harrow.example",
    )
    await refused_then_taken(scene, wire.MemberErase, 202, handles=tuple(cards), request_ids=(ref,))
    req = await request(scene.there, scene.p.node_id, ref)
    rel = await relationship(scene.there, scene.p.node_id, ref)
    assert (req.counterpart_name, req.counterpart_email, req.remote_summary) == (
        ERASED_NAME,
        "",
        {},
    )
    assert (rel.counterpart_name, rel.counterpart_email) == (ERASED_NAME, "")
    assert await live_cards(scene) == []


async def test_a_third_peer_cannot_revoke_anothers_cards(scene: Scene) -> None:
    cards = await hold_cards_of(scene)
    await refused_then_taken(scene, wire.CardRevoke, 202, handles=tuple(cards))
    assert await live_cards(scene) == []


async def test_a_third_peer_cannot_request_through_a_card_issued_to_another(
    scene: Scene,
) -> None:
    """Handles are per consumer: P's handle means nothing from C, so C's request is declined
    as for an unknown card, the mentor is not asked, and only C hears back."""
    before = await scene.there.tables()
    ref, answer = await scene.create(scene.c, scene.handles[0], "harrow")
    assert answer.status_code == 202, answer.text
    after = await scene.there.tables()
    assert changed(before, after) == {"federation_inbox", "federation_outbox"}
    async with scene.there.runtime.sessionmaker() as session:
        assert await session.scalar(select(MentoringRequest.id)) is None
    assert scene.c.node_id in str(after["federation_outbox"])
    assert scene.p.node_id not in str(after["federation_outbox"])
    assert ref in str(after["federation_outbox"])


async def hold_cards_of(scene: Scene) -> list[str]:
    """Cards the node holds from P's feed (as a verified page from P would leave them)."""
    handles = [handle(), handle()]
    now = now_s()
    page = wire.FeedPage(
        iss=scene.p.node_id,
        aud=scene.there.settings.base_url,
        iat=now,
        exp=now + 3600,
        jti=handle()[:32],
        request_jti=handle()[:32],
        cards=tuple(
            wire.Card(
                handle=h,
                org="brent",
                topics=(wire.TopicOffer(topic="housing", level=2),),
                band=wire.BandRange(low=4, high=6),
                region="london",
                sector="local-government",
                meeting_modes=("remote",),
                free_slots="1",
            )
            for h in handles
        ),
        tombstones=(),
        cursor="2",
    )
    async with scene.there.runtime.sessionmaker() as session, session.begin():
        await RemoteCards(session).apply(scene.p.node_id, page, datetime.now(UTC))
    assert sorted(await live_cards(scene)) == sorted(handles)
    return handles


async def live_cards(scene: Scene) -> list[str]:
    async with scene.there.runtime.sessionmaker() as session:
        rows = await RemoteCards(session).live(datetime.now(UTC) - timedelta(seconds=1))
        return [row.handle for row in rows]
