"""Two real nodes on loopback ports: a Brent mentee finds a Nottingham City Homes mentor
through a card, requests them, the mentor accepts on their own node, and only then are names
and work emails exchanged (the introduction)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from msgspec.structs import replace

from federation.erasure import erase_everywhere
from federation.remote_cards import RemoteCards
from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from orgs.audit import ActorRef
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.live import free_port, live_node
from tests.nodes import Node, node
from tests.sessions import sign_in


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
async def node_a(settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    here = node(settings, f"http://127.0.0.1:{ports[0]}")
    yield here
    await here.runtime.close()


@pytest.fixture
async def node_b(peer_settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    there = node(peer_settings, f"http://127.0.0.1:{ports[1]}")
    yield there
    await there.runtime.close()


async def setup_org(
    where: Node, slug: str, name: str, policy: SharingPolicy
) -> tuple[uuid.UUID, uuid.UUID]:
    """An org with a scheme; returns (org id, scheme id). Its people act through sessions."""
    async with where.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).create(slug, name)
        await set_policy(session, org.id, policy)
        scheme = await SchemeService(session, org.id).create(
            SchemeSpec(slug="mentoring", name="Mentoring")
        )
        return org.id, scheme.id


async def approved_person(
    where: Node,
    org_id: uuid.UUID,
    scheme_id: uuid.UUID,
    employee_id: str,
    name: tuple[str, str],
    *,
    mentee: dict[str, int] | None = None,
    mentor: dict[str, int] | None = None,
) -> Member:
    async with where.runtime.sessionmaker() as session, session.begin():
        member = MemberRepository(session, org_id).add(
            Member(
                employee_id=employee_id,
                given_name=name[0],
                family_name=name[1],
                email=f"{name[0].lower()}.{name[1].lower()}@{employee_id[0]}.example",
            )
        )
        await session.flush()
        profiles = ProfileService(session, member)
        role = SchemeRole.MENTEE if mentee is not None else SchemeRole.MENTOR
        if mentee is not None:
            await profiles.save_mentee(topics=mentee, open_to_other_orgs=True)
        if mentor is not None:
            await profiles.save_mentor(
                topics=mentor, open_to_other_orgs=True, seniority_band=6, pen_picture="Housing lead"
            )
        ApplicationRepository(session, org_id).add(
            Application(
                scheme_id=scheme_id,
                member_id=member.id,
                role=role,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=[],
            )
        )
        return member


async def as_member(where: Node, org_slug: str, member: Member) -> dict[str, str]:
    """``member``'s browser on ``where``: a session of their own in that node's Redis."""
    [session] = await sign_in(org_slug, [member], runtime=where.runtime)
    return session.headers


async def deliver(here: Node, client: httpx.AsyncClient) -> int:
    report = await deliver_due(here.runtime, datetime.now(UTC), client)
    assert report.failed == 0, report.errors
    return report.delivered


async def test_request_accept_and_introduction_across_two_nodes(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    brent_id, brent_scheme = await setup_org(
        node_a, "brent", "London Borough of Brent", SharingPolicy(cross_org=True)
    )
    nch_id, nch_scheme = await setup_org(
        node_b,
        "nch",
        "Nottingham City Homes",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
        ),
    )
    mentee = await approved_person(
        node_a, brent_id, brent_scheme, "b1", ("Amara", "Okafor"), mentee={"housing": 5}
    )
    mentors = [
        await approved_person(
            node_b, nch_id, nch_scheme, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
        for i in range(5)
    ]
    await node_a.pin(node_b)
    await node_b.pin(node_a)
    a_url, b_url = node_a.settings.base_url, node_b.settings.base_url
    with (
        live_node(node_a.settings, port=ports[0]),
        live_node(node_b.settings, port=ports[1]),
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            pulled = await pull_feed(node_a.runtime, b_url, client)
            assert (pulled.error, pulled.cards) == (None, 5)

            found = await client.get(
                f"{a_url}/api/v1/me/suggestions", headers=await as_member(node_a, "brent", mentee)
            )
            items = found.json()["items"]
            assert len(items) == 5
            assert all(i["candidate"]["kind"] == "remote" for i in items)
            assert all(i["candidate"]["name"] is None for i in items)
            assert items[0]["candidate"]["organisation"] == "Nottingham City Homes"
            handle, peer = items[0]["candidate"]["id"].split("@", 1)

            sent = await client.post(
                f"{a_url}/api/v1/me/requests",
                json={
                    "scheme_id": str(brent_scheme),
                    "mentors": [{"remote": {"peer": peer, "handle": handle}}],
                },
                headers=await as_member(node_a, "brent", mentee),
            )
            assert sent.status_code == 201, sent.text
            assert await deliver(node_a, client) == 1  # request.create

            # On the mentor's node: exactly one mentor was asked, and sees no name yet.
            asked = None
            for mentor in mentors:
                mine = await client.get(
                    f"{b_url}/api/v1/me/requests", headers=await as_member(node_b, "nch", mentor)
                )
                if mine.json():
                    assert asked is None
                    asked = mentor
                    incoming = mine.json()[0]
            assert asked is not None
            assert "Amara" not in str(incoming)
            assert "okafor" not in str(incoming).lower()

            accepted = await client.post(
                f"{b_url}/api/v1/requests/{incoming['id']}/accept",
                headers=await as_member(node_b, "nch", asked),
            )
            assert accepted.status_code in (200, 201), accepted.text
            assert await deliver(node_b, client) == 1  # request.accept with the introduction
            # request.introduce (the mentee's half) and the shared record's first version
            assert await deliver(node_a, client) == 2

            mentee_side = await client.get(
                f"{a_url}/api/v1/relationships/", headers=await as_member(node_a, "brent", mentee)
            )
            mentor_side = await client.get(
                f"{b_url}/api/v1/relationships/", headers=await as_member(node_b, "nch", asked)
            )
            # The mentee is erased on their node: the mentor's node forgets the introduction.
            async with node_a.runtime.sessionmaker() as session, session.begin():
                _, told = await erase_everywhere(
                    session,
                    brent_id,
                    mentee.id,
                    by=ActorRef.system("operator"),
                    now=datetime.now(UTC),
                )
            assert told == {b_url: 1}  # the one request both nodes know
            assert await deliver(node_a, client) == 1  # member.erase
            after = await client.get(
                f"{b_url}/api/v1/relationships/", headers=await as_member(node_b, "nch", asked)
            )
    (forgotten,) = after.json()
    assert "Amara" not in str(forgotten)
    assert mentee.email not in str(forgotten)
    (ours,) = mentee_side.json()
    (theirs,) = mentor_side.json()
    assert ours["counterpart"] == f"{asked.given_name} Shah"
    assert ours["counterpart_email"] == asked.email
    assert ours["cross_org"] is True
    assert theirs["counterpart"] == "Amara Okafor"
    assert theirs["counterpart_email"] == mentee.email


async def test_a_request_for_a_card_we_do_not_hold_is_refused_before_it_leaves(
    node_a: Node,
) -> None:
    brent_id, brent_scheme = await setup_org(
        node_a, "brent", "London Borough of Brent", SharingPolicy(cross_org=True)
    )
    mentee = await approved_person(
        node_a, brent_id, brent_scheme, "b1", ("Amara", "Okafor"), mentee={"housing": 5}
    )
    app = replace(node_a.settings)
    from litestar.testing import AsyncTestClient

    from network.app import create_app

    async with AsyncTestClient(create_app(app)) as client:
        response = await client.post(
            "/api/v1/me/requests",
            json={
                "scheme_id": str(brent_scheme),
                "mentors": [{"remote": {"peer": "http://127.0.0.1:9", "handle": "A" * 43}}],
            },
            headers=await as_member(node_a, "brent", mentee),
        )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mentors[0].remote"


async def test_erasure_reaches_every_peer_that_holds_data_about_the_person(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    await setup_org(node_a, "brent", "London Borough of Brent", SharingPolicy(cross_org=True))
    nch_id, nch_scheme = await setup_org(
        node_b,
        "nch",
        "Nottingham City Homes",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
        ),
    )
    mentors = [
        await approved_person(
            node_b, nch_id, nch_scheme, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
        for i in range(6)
    ]
    await node_a.pin(node_b)
    await node_b.pin(node_a)
    with (
        live_node(node_a.settings, port=ports[0]),
        live_node(node_b.settings, port=ports[1]),
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            assert (await pull_feed(node_a.runtime, node_b.settings.base_url, client)).cards == 6
            async with node_b.runtime.sessionmaker() as session, session.begin():
                _, told = await erase_everywhere(
                    session, nch_id, mentors[0].id, by=ActorRef.system("cli"), now=datetime.now(UTC)
                )
            assert told == {node_a.settings.base_url: 1}  # the one handle A was given
            assert await deliver(node_b, client) == 1  # member.erase
            async with node_a.runtime.sessionmaker() as session:
                assert len(await RemoteCards(session).live(datetime.now(UTC))) == 5
            again = await pull_feed(node_a.runtime, node_b.settings.base_url, client)
            assert (again.cards, again.tombstones) == (0, 1)
    async with node_b.runtime.sessionmaker() as session:
        erased = await session.get(Member, mentors[0].id)
        assert erased is not None
        assert (erased.given_name, erased.email, erased.employee_id) == ("", "", None)
        assert await ProfileService(session, erased).mentor() is None
