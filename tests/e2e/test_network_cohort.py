"""A cohort run across a network's organisations (issue 18, point 5).

On one node: Brent's coordinator runs its scheme with the network's mentors, the run places
Brent mentees with Harrow mentors (their cards from the node's own feed, with their published
free slots) at the exact optimum, and publishing makes each such pair a normal same-node request
that the Harrow mentor accepts in their own signed-in session. Refused: the option while Brent
is in no network (nothing written), and Harrow's mentors while Brent excludes Harrow from the
network (none in the run).

On two live nodes: Brent (node A) and Nottingham City Homes (node B) form a network; A pulls
B's cards, the run places the Brent mentee with an NCH card, and publishing queues a
``request.create`` in A's outbox that is delivered, signed, to B, where the mentor sees it and
accepts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from federation.outbox import OutboxMessage, OutboxStatus
from federation.remote_cards import RemoteCards, to_candidate
from matching.model import SchemeKind
from matching.scoring import DEFAULT_WEIGHTS, score_pair
from network.config import Settings
from network.federation.feed_pull import pull_feed
from network.federation.own_feed import refresh_here
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import MenteeProfileRow, MentorProfileRow, to_mentee, to_mentor
from orgs.people.roles import MemberRole, Role
from orgs.schemes.eligibility import SchemeRole
from tests.conftest import Cli
from tests.e2e.test_cross_node_request import approved_person, deliver, setup_org
from tests.e2e.test_cross_org_own_rules import Side, person, side
from tests.e2e.test_networks import browser
from tests.e2e.test_networks import person as net_person
from tests.integration.matching.test_cohort_runs import brute_force
from tests.live import free_port, live_node
from tests.nodes import Node, changed, node
from tests.sessions import sign_in

BRENT, HARROW = "London Borough of Brent", "London Borough of Harrow"
TERMS = {"name": "West London Mentoring", "agreement": "We share.", "review_on": "2027-03-31"}


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
async def node_a(settings: Settings, port: int) -> AsyncIterator[Node]:
    here = node(settings, f"http://127.0.0.1:{port}")
    yield here
    await here.runtime.close()


async def admin(at: Side) -> Member:
    async with at.where.runtime.sessionmaker() as session, session.begin():
        member = MemberRepository(session, at.org_id).add(
            Member(employee_id=f"{at.slug}-a", given_name="Ada", family_name="Admin")
        )
        await session.flush()
        session.add(MemberRole(org_id=at.org_id, member_id=member.id, role=Role.ORG_ADMIN))
        return member


class Api:
    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client, self.url = client, url

    async def __call__(
        self, method: str, path: str, who: dict[str, str], body: object = None, status: int = 0
    ) -> object:
        response = await self.client.request(method, self.url + path, json=body, headers=who)
        if status:
            assert response.status_code == status, response.text
        else:
            assert response.status_code < 300, response.text
        return response.json() if response.content else None


async def optimum(where: Node, mentees: list[Member]) -> tuple[int, int]:
    """The exact optimum over Brent's mentor and every Harrow card, scored independently of
    the run (the stored profiles and the cards as held, by the scalar scorer)."""
    today = datetime.now(UTC).date()
    async with where.runtime.sessionmaker() as session:
        members = {m.id: m for m in (await session.scalars(select(Member))).all()}
        wanted = (await session.scalars(select(MenteeProfileRow))).all()
        offered = (await session.scalars(select(MentorProfileRow))).all()
        cards = await RemoteCards(session).live_rows(datetime.now(UTC))
    ids = {m.id for m in mentees}
    profiles = [to_mentee(r, members[r.member_id], None) for r in wanted if r.member_id in ids]
    brent = [
        to_mentor(r, members[r.member_id], r.capacity, today)
        for r in offered
        if members[r.member_id].org_id == mentees[0].org_id
    ]
    mentors = brent + [to_candidate(c) for c in cards]
    scores = {
        (e.id, r.id): score_pair(e, r, DEFAULT_WEIGHTS, SchemeKind.ONE_TO_ONE).total
        for e in profiles
        for r in mentors
    }
    seats = {r.id: r.capacity for r in mentors}
    return brute_force([str(m.id) for m in mentees], seats, scores, set())


async def test_a_brent_cohort_run_places_mentees_with_harrow_mentors(
    node_a: Node, port: int
) -> None:
    brent = await side(node_a, "brent", BRENT, SharingPolicy(cross_org=True, partners=[]), hours=12)
    harrow = await side(
        node_a,
        "harrow",
        HARROW,
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="local-government", region="london"
        ),
        hours=8,
    )
    mentees = [
        await person(brent, f"b{i}", (f"Mentee{i}", "Brent"), SchemeRole.MENTEE, {"housing": 5})
        for i in range(2)
    ]
    await person(brent, "b9", ("Bola", "Brent"), SchemeRole.MENTOR, {"finance": 3})
    harrows = [
        await person(harrow, f"h{i}", (f"Mentor{i}", "Shah"), SchemeRole.MENTOR, {"housing": 3})
        for i in range(5)
    ]
    brent_admin, harrow_admin = await admin(brent), await admin(harrow)
    await node_a.ring()
    assert await refresh_here(node_a.runtime) == 5
    runs = f"/api/v1/orgs/brent/schemes/{brent.scheme_id}/cohort-runs"
    with live_node(node_a.settings, port=port):
        async with httpx.AsyncClient(timeout=20) as client:
            api = Api(client, node_a.settings.base_url)
            coordinator = await brent.as_(brent.coordinator)
            ba, ha = await brent.as_(brent_admin), await harrow.as_(harrow_admin)

            # Refused: the network's mentors while Brent is in no network; nothing written.
            before = await node_a.tables()
            refused = await api("POST", runs, coordinator, {"include_network": True}, 422)
            assert isinstance(refused, dict)
            assert [e["field"] for e in refused["errors"]] == ["include_network"]
            assert await node_a.tables() == before

            # So does the operator's CLI.
            cli = Cli(node_a.settings)
            flags = ("cohort", "run", "--org", "brent", "--scheme", "mentoring")
            no = await asyncio.to_thread(cli, *flags, "--include-network")
            assert no.exit_code == 1
            assert "is in no network" in no.output

            # The page refuses it too, naming the option, and keeps what was chosen.
            [page_session] = await sign_in("brent", [brent.coordinator], runtime=node_a.runtime)
            form = f"{node_a.settings.base_url}/orgs/brent/coordinate/schemes/{brent.scheme_id}"
            choice = {
                "csrf_token": page_session.csrf,
                "mode": "optimal",
                "min_score": "0",
                "include_network": "yes",
            }
            before = await node_a.tables()
            page = await client.post(f"{form}/runs", data=choice, headers=page_session.headers)
            assert page.status_code == 400, page.text
            assert '<a href="#include_network">' in page.text
            assert "is in no network" in page.text
            assert await node_a.tables() == before

            # Brent and Harrow form a network: joining opens each policy to the other.
            contact = {"name": "Anna Kowalski", "work_email": "anna@brent.example"}
            made = await api(
                "POST", "/api/v1/orgs/brent/networks", ba, {**TERMS, "contact": contact}, 201
            )
            assert isinstance(made, dict)
            nid = made["network_id"]
            invite = {"org": "harrow", "display_name": "Harrow"}
            await api("POST", f"/api/v1/orgs/brent/networks/{nid}/invitations", ba, invite)
            accept = {
                "agreement_version": 1,
                "contact": {"name": "Hari Patel", "work_email": "hari@harrow.example"},
            }
            await api("POST", f"/api/v1/orgs/harrow/networks/{nid}/acceptance", ha, accept)

            # Off by default: the scheme's own mentors only, as before.
            own = await api("POST", runs, coordinator, {}, 201)
            assert isinstance(own, dict)
            assert (own["include_network"], own["mentors"], own["external_mentors"]) == (
                False,
                1,
                0,
            )

            # Hidden: while Brent excludes Harrow, none of Harrow's mentors is in the run.
            exclusions = f"/api/v1/orgs/brent/networks/{nid}/exclusions"
            await api("PUT", exclusions, ba, {"exclude": ["harrow"]})
            hidden = await api("POST", runs, coordinator, {"include_network": True}, 201)
            assert isinstance(hidden, dict)
            assert (hidden["mentors"], hidden["external_mentors"]) == (1, 0)
            await api("PUT", exclusions, ba, {"exclude": []})

            # The run with the network's mentors: the exact optimum over both organisations.
            body = await api("POST", runs, coordinator, {"include_network": True}, 201)
            assert isinstance(body, dict)
            assert (body["include_network"], body["mentors"], body["external_mentors"]) == (
                True,
                6,
                5,
            )
            assert (body["matched"], body["total_score"]) == await optimum(node_a, mentees)
            assert body["matched"] == 2
            for pair in body["pairs"]:
                assert pair["external"] is True
                assert pair["mentor"].endswith("@" + node_a.settings.base_url)
                assert pair["mentor_name"] == f"a mentor at {HARROW}"  # no name before accepting
                assert sum(p["points"] for p in pair["explanation"]) == pair["score"]
                assert any(p["factor"] == "different_unit" for p in pair["explanation"])

            # From the coordinator's page: the same run, and the page says how many are external.
            made_page = await client.post(f"{form}/runs", data=choice, headers=page_session.headers)
            assert made_page.status_code == 303, made_page.text
            page = await client.get(
                node_a.settings.base_url + made_page.headers["location"],
                headers=page_session.headers,
            )
            assert page.status_code == 200, page.text
            assert "6 mentors with 6 seats, 5 of them from other organisations" in page.text
            assert f"with a mentor at {HARROW}" in page.text.replace("&#39;", "'")

            # Refused at publishing: a run made while Harrow was allowed, published once Brent's
            # policy hides Harrow, proposes nothing to Harrow: no request, nothing queued.
            spare = await api("POST", runs, coordinator, {"include_network": True}, 201)
            assert isinstance(spare, dict)
            async with node_a.runtime.sessionmaker() as session, session.begin():
                await set_policy(session, brent.org_id, SharingPolicy(cross_org=True, partners=[]))
            before = await node_a.tables()
            closed = await api(
                "POST", f"/api/v1/orgs/brent/cohort-runs/{spare['id']}/publish", coordinator
            )
            assert isinstance(closed, dict)
            assert [p["request_id"] for p in closed["proposals"]] == [None, None]
            assert all("does not allow" in p["problem"] for p in closed["proposals"])
            assert changed(before, await node_a.tables()) == {"cohort_runs", "audit_entries"}
            async with node_a.runtime.sessionmaker() as session, session.begin():
                await set_policy(
                    session, brent.org_id, SharingPolicy(cross_org=True, partners=["harrow"])
                )

            # Publishing: each pair is a normal request to the card, taken by Harrow's side.
            publish = f"/api/v1/orgs/brent/cohort-runs/{body['id']}/publish"
            published = await api("POST", publish, coordinator)
            assert isinstance(published, dict)
            assert published["state"] == "published"
            assert all(p["request_id"] for p in published["proposals"]), published["proposals"]

            asked = []
            for mentor in harrows:
                headers = await harrow.as_(mentor)
                waiting = await api("GET", "/api/v1/me/requests", headers)
                assert isinstance(waiting, list)
                if waiting:
                    [incoming] = waiting
                    assert incoming["counterpart"] == f"a mentee at {BRENT}"
                    asked.append((headers, incoming))
            assert len(asked) == 2
            headers, incoming = asked[0]
            accepted = await api("POST", f"/api/v1/requests/{incoming['id']}/accept", headers)
            assert isinstance(accepted, dict)
            assert accepted["cross_org"] is True

            # Capacity already used: the card asked and still open, and the card accepted
            # since it was received, have no seat left for another run (3 of 5 remain).
            again = await api("POST", runs, coordinator, {"include_network": True}, 201)
            assert isinstance(again, dict)
            assert again["external_mentors"] == 3
            taken = {p["mentor"] for p in body["pairs"]}
            assert not taken & {p["mentor"] for p in again["pairs"]}
            by_cli = await asyncio.to_thread(cli, *flags, "--include-network", "--json")
            assert by_cli.exit_code == 0, by_cli.output
            assert json.loads(by_cli.output)["external_mentors"] == 3

    async with node_a.runtime.sessionmaker() as session:
        rows = (await session.scalars(select(MentoringRequest))).all()
        queued = (await session.scalars(select(OutboxMessage))).all()
    outgoing = [r for r in rows if r.direction is Direction.OUTGOING]
    assert len(outgoing) == 2
    assert {r.counterpart_org for r in outgoing} == {HARROW}
    assert sorted(r.state.value for r in outgoing) == ["accepted", "open"]
    assert {r.mentee_id for r in outgoing} == {m.id for m in mentees}
    assert {row.peer for row in queued} == {node_a.settings.base_url}
    assert OutboxStatus.DELIVERED in {row.status for row in queued}


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
async def node_b(peer_settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    there = node(peer_settings, f"http://127.0.0.1:{ports[1]}")
    yield there
    await there.runtime.close()


@pytest.fixture
async def node_a2(settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    here = node(settings, f"http://127.0.0.1:{ports[0]}")
    yield here
    await here.runtime.close()


async def test_a_run_with_a_remote_card_publishes_a_request_the_mentor_accepts_on_their_node(
    node_a2: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    a, b = node_a2, node_b
    brent_id, brent_scheme = await setup_org(
        a, "brent", BRENT, SharingPolicy(cross_org=True, partners=[])
    )
    nch_id, nch_scheme = await setup_org(
        b,
        "nch",
        "Nottingham City Homes",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
        ),
    )
    mentee = await approved_person(
        a, brent_id, brent_scheme, "b1", ("Amara", "Okafor"), mentee={"housing": 5}
    )
    mentors = [
        await approved_person(
            b, nch_id, nch_scheme, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
        for i in range(5)
    ]
    coordinator = await net_person(a, brent_id, "brent-c", Role.COORDINATOR)
    brent_admin = await net_person(a, brent_id, "brent-a", Role.ORG_ADMIN)
    nch_admin = await net_person(b, nch_id, "nch-a", Role.ORG_ADMIN)
    await a.pin(b)
    await b.pin(a)
    a_url, b_url = a.settings.base_url, b.settings.base_url
    runs = f"/api/v1/orgs/brent/schemes/{brent_scheme}/cohort-runs"
    with live_node(a.settings, port=ports[0]), live_node(b.settings, port=ports[1]):
        async with httpx.AsyncClient(timeout=20) as client:
            on_a, on_b = Api(client, a_url), Api(client, b_url)
            ba = await browser(a, "brent", brent_admin)
            na = await browser(b, "nch", nch_admin)
            contact = {"name": "Anna Kowalski", "work_email": "anna@brent.example"}
            made = await on_a(
                "POST", "/api/v1/orgs/brent/networks", ba, {**TERMS, "contact": contact}, 201
            )
            assert isinstance(made, dict)
            nid = made["network_id"]
            invite = {"org": "nch", "node": b_url, "display_name": "NCH"}
            await on_a("POST", f"/api/v1/orgs/brent/networks/{nid}/invitations", ba, invite)
            await deliver(a, client)
            accept = {
                "agreement_version": 1,
                "contact": {"name": "Nia Cole", "work_email": "nia@nch.example"},
            }
            await on_b("POST", f"/api/v1/orgs/nch/networks/{nid}/acceptance", na, accept)
            await deliver(b, client)
            pulled = await pull_feed(a.runtime, b_url, client)
            assert (pulled.error, pulled.cards) == (None, 5)

            who = await browser(a, "brent", coordinator)
            body = await on_a("POST", runs, who, {"include_network": True}, 201)
            assert isinstance(body, dict)
            assert (body["mentors"], body["external_mentors"], body["matched"]) == (5, 5, 1)
            assert (body["matched"], body["total_score"]) == await optimum(a, [mentee])
            [pair] = body["pairs"]
            assert pair["mentor"].endswith("@" + b_url)
            assert pair["mentor_name"] == "a mentor at Nottingham City Homes"

            published = await on_a(
                "POST", f"/api/v1/orgs/brent/cohort-runs/{body['id']}/publish", who
            )
            assert isinstance(published, dict)
            [proposal] = published["proposals"]
            assert proposal["request_id"], proposal
            async with a.runtime.sessionmaker() as session:
                pending = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                [queued] = (await session.scalars(pending)).all()
            assert (queued.peer, queued.message_type) == (b_url, "request.create")
            assert await deliver(a, client) == 1  # request.create, signed, to node B

            asked, incoming = None, {}
            for mentor in mentors:
                seen = await on_b("GET", "/api/v1/me/requests", await browser(b, "nch", mentor))
                assert isinstance(seen, list)
                if seen:
                    assert asked is None
                    asked, [incoming] = mentor, seen
            assert asked is not None
            assert "Okafor" not in str(incoming)  # no name before acceptance
            mine = await browser(b, "nch", asked)
            await on_b("POST", f"/api/v1/requests/{incoming['id']}/accept", mine)
            assert await deliver(b, client) == 1  # request.accept
            assert await deliver(a, client) >= 1  # the introduction and the shared record
            ours = await on_a("GET", "/api/v1/relationships/", await browser(a, "brent", mentee))
    assert isinstance(ours, list)
    [relationship] = ours
    assert relationship["counterpart"] == f"{asked.given_name} Shah"
    assert relationship["cross_org"] is True
