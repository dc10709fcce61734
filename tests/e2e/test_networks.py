"""A network of organisations on three real nodes over loopback: founded on one, joined from
the others by accepting its agreement, a new agreement version accepted again, the founding
node gone while the others carry on, and a member leaving (its pending requests withdrawn,
its cards no longer published to it). Admins and members act through real sessions."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from msgspec.structs import replace

from network import migrate
from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from orgs.networks.replica import NetworkVersion
from orgs.pairing.requests import MentoringRequest
from orgs.pairing.sharing import SharingPolicy, read_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.roles import MemberRole, Role
from tests import services
from tests.conftest import TABLES
from tests.e2e.test_cross_node_request import approved_person, setup_org
from tests.live import free_port, live_node
from tests.nodes import Node, node
from tests.sessions import sign_in

CARDS = SharingPolicy(
    cross_org=True, partners=[], publish_cards=True, k=5, sector="housing", region="east-midlands"
)
TERMS = {
    "name": "MyMentor London and East Midlands",
    "purpose": "Mentoring across our organisations",
    "agreement": "Members share mentors and keep each other's rules.",
    "review_on": "2027-09-01",
}


def contact(who: str, org: str) -> dict[str, str]:
    return {"name": f"{who} Contact", "work_email": f"{who.lower()}@{org}.example"}


@pytest.fixture(scope="session")
def third_database_url(database_url: str) -> str:
    url = services.worker_database_url(os.environ.get("PYTEST_XDIST_WORKER", "main") + "_third")
    services.recreate_database(url)
    migrate.upgrade(Settings(database_url=url))
    return url


@pytest.fixture
def third_settings(settings: Settings, third_database_url: str) -> Iterator[Settings]:
    yield replace(
        settings, database_url=third_database_url, secret_key="third-" + settings.secret_key
    )
    services.truncate(third_database_url, TABLES)


@pytest.fixture
def ports() -> tuple[int, int, int]:
    return free_port(), free_port(), free_port()


@pytest.fixture
async def nodes(
    settings: Settings,
    peer_settings: Settings,
    third_settings: Settings,
    ports: tuple[int, int, int],
) -> AsyncIterator[tuple[Node, Node, Node]]:
    made = tuple(
        node(s, f"http://127.0.0.1:{port}")
        for s, port in zip((settings, peer_settings, third_settings), ports, strict=True)
    )
    a, b, c = made
    yield a, b, c
    for each in made:
        await each.runtime.close()


async def person(where: Node, org_id: uuid.UUID, employee_id: str, role: Role | None) -> Member:
    async with where.runtime.sessionmaker() as session, session.begin():
        member = MemberRepository(session, org_id).add(
            Member(
                employee_id=employee_id,
                given_name=employee_id.title(),
                family_name="Person",
                email=f"{employee_id}@staff.example",
            )
        )
        await session.flush()
        if role is not None:
            session.add(MemberRole(org_id=org_id, member_id=member.id, role=role))
        return member


async def browser(where: Node, org: str, member: Member) -> dict[str, str]:
    [session] = await sign_in(org, [member], runtime=where.runtime)
    return session.headers


async def deliver(here: Node, client: httpx.AsyncClient, *, down: int = 0) -> int:
    """Deliver what ``here`` queued; ``down`` peers are expected not to answer."""
    report = await deliver_due(here.runtime, datetime.now(UTC), client)
    assert report.failed == down, report.errors
    return report.delivered


async def versions(where: Node) -> list[tuple[int, str, str, bool]]:
    """(version, author, op, signed by a node other than this one) of every version held."""
    async with where.runtime.sessionmaker() as session:
        rows = await session.execute(
            NetworkVersion.__table__.select().order_by(NetworkVersion.version)
        )
        return [(r.version, r.author, r.change["op"], bool(r.signed)) for r in rows]


class Api:
    """An org's API on one node, as one of its people."""

    def __init__(self, client: httpx.AsyncClient, where: Node, org: str, headers: dict[str, str]):
        self.client, self.org, self.headers = client, org, headers
        self.base = f"{where.settings.base_url}/api/v1/orgs/{org}/networks"

    async def call(self, method: str, path: str = "", body: Any = None) -> httpx.Response:
        return await self.client.request(method, self.base + path, json=body, headers=self.headers)

    async def ok(self, method: str, path: str = "", body: Any = None) -> Any:
        response = await self.call(method, path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()


async def test_a_network_across_three_nodes_outlives_its_founding_node(
    nodes: tuple[Node, Node, Node], ports: tuple[int, int, int]
) -> None:
    a, b, c = nodes
    brent_id, _ = await setup_org(a, "brent", "London Borough of Brent", SharingPolicy())
    nch_id, nch_scheme = await setup_org(b, "nch", "Nottingham City Homes", CARDS)
    other_id, _ = await setup_org(b, "other", "Another Council", SharingPolicy())
    derby_id, derby_scheme = await setup_org(c, "derby", "Derby City Council", CARDS)
    for x in nodes:
        for y in nodes:
            if x is not y:
                await x.pin(y)
    brent_admin = await person(a, brent_id, "ba", Role.ORG_ADMIN)
    brent_staff = await person(a, brent_id, "bs", None)
    nch_admin = await person(b, nch_id, "na", Role.ORG_ADMIN)
    other_admin = await person(b, other_id, "oa", Role.ORG_ADMIN)
    derby_admin = await person(c, derby_id, "da", Role.ORG_ADMIN)
    nch_mentors = [
        await approved_person(
            b, nch_id, nch_scheme, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
        for i in range(5)
    ]
    for i in range(2):
        await approved_person(
            c, derby_id, derby_scheme, f"d{i}", (f"Derby{i}", "Lee"), mentor={"housing": 2}
        )
    mentee = await approved_person(
        c, derby_id, derby_scheme, "dm", ("Amara", "Okafor"), mentee={"housing": 5}
    )
    A, B, C = (n.settings.base_url for n in nodes)

    with live_node(b.settings, port=ports[1]), live_node(c.settings, port=ports[2]):
        async with httpx.AsyncClient(timeout=15) as client:
            brent = Api(client, a, "brent", await browser(a, "brent", brent_admin))
            staff = Api(client, a, "brent", await browser(a, "brent", brent_staff))
            nch = Api(client, b, "nch", await browser(b, "nch", nch_admin))
            derby = Api(client, c, "derby", await browser(c, "derby", derby_admin))
            outsider = Api(client, b, "other", await browser(b, "other", other_admin))

            with live_node(a.settings, port=ports[0]):
                # Only an org admin founds a network: a member's attempt leaves nothing.
                refused = await staff.call(
                    "POST", "", {**TERMS, "contact": contact("Bo", "brent")}
                )
                assert refused.status_code == 403, refused.text
                assert await versions(a) == []

                founded = await brent.ok(
                    "POST", "", {**TERMS, "contact": contact("Anna", "brent")}
                )
                nid = founded["network_id"]
                # An org that is not on the node named is not invited: nothing changes.
                ghost = await brent.call(
                    "POST", f"/{nid}/invitations", {"org": "ghost", "node": B, "display_name": "G"}
                )
                assert ghost.status_code == 403, ghost.text
                await brent.ok(
                    "POST", f"/{nid}/invitations", {"org": "nch", "node": B, "display_name": "NCH"}
                )
                await brent.ok(
                    "POST",
                    f"/{nid}/invitations",
                    {"org": "derby", "node": C, "display_name": "Derby City Council"},
                )
                assert await deliver(a, client) == 3  # v2 to B; v3 to B and C

                # Each invited admin reads the agreement on their own node and accepts it.
                seen = await nch.ok("GET", f"/{nid}")
                assert (seen["version"], seen["agreement_version"]) == (3, 1)
                await nch.ok(
                    "POST",
                    f"/{nid}/acceptance",
                    {"agreement_version": 1, "contact": contact("Nina", "nch")},
                )
                assert await deliver(b, client) == 2
                await derby.ok(
                    "POST",
                    f"/{nid}/acceptance",
                    {"agreement_version": 1, "contact": contact("Dev", "derby")},
                )
                assert await deliver(c, client) == 2
                held = {n.settings.base_url: await versions(n) for n in nodes}
                assert [v[0] for v in held[A]] == [1, 2, 3, 4, 5]
                assert held[A][3][1:] == (f"nch@{B}", "accept", True)  # signed by B, kept on A
                # C's copy starts at the invitation that brought it, as A's node signed it.
                assert [v[0] for v in held[C]] == [3, 4, 5]
                assert held[C][0][1:] == (f"brent@{A}", "invite", True)
                assert held[A][3] == held[C][1]

                # Joining set the sharing policy with the other members.
                async with b.runtime.sessionmaker() as session:
                    assert set((await read_policy(session, nch_id)).partners or []) == {
                        f"brent@{A}",
                        f"derby@{C}",
                    }

                # The directory: what each offers, small numbers never exact.
                await nch.ok("PUT", f"/{nid}/offer", {"schemes": ["mentoring"]})
                assert await deliver(b, client) == 2
                await derby.ok("PUT", f"/{nid}/offer", {"schemes": ["mentoring"]})
                assert await deliver(c, client) == 2
                shown = await staff.ok("GET", f"/{nid}/directory")
                offers = {
                    o["org"]: (o["mentors_available"], o["contact"]) for o in shown["organisations"]
                }
                assert offers == {
                    "brent": ("fewer than 5", contact("Anna", "brent")),
                    "nch": ("5", contact("Nina", "nch")),
                    "derby": ("fewer than 5", contact("Dev", "derby")),
                }
                assert (await outsider.call("GET", f"/{nid}/directory")).status_code == 404

                # A network coordinator, granted by brent to its own staff, reads the report.
                assert (await staff.call("GET", "/reports")).status_code == 403
                granted = await client.post(
                    f"{A}/api/v1/orgs/brent/roles",
                    json={"member_id": str(brent_staff.id), "role": "network_coordinator"},
                    headers=brent.headers,
                )
                assert granted.status_code == 201, granted.text
                foreign = await client.post(
                    f"{A}/api/v1/orgs/brent/roles",
                    json={"member_id": str(nch_admin.id), "role": "network_coordinator"},
                    headers=brent.headers,
                )
                assert foreign.status_code == 404  # another org's person is not brent's to grant
                [reported] = await staff.ok("GET", "/reports")
                assert {r["org"]: r["mentors_available"] for r in reported["organisations"]} == {
                    "brent": "fewer than 5",
                    "nch": "5",
                    "derby": "fewer than 5",
                }
                assert "@" not in str([r for r in reported["organisations"]])  # no contacts

                # A new agreement version: every other member must accept it again.
                await brent.ok("PUT", f"/{nid}/terms", {**TERMS, "agreement": "Version two."})
                assert await deliver(a, client) == 2
                pending = await nch.ok("GET", f"/{nid}/directory")
                assert {o["org"]: o["accepted_current"] for o in pending["organisations"]} == {
                    "brent": True,
                    "nch": False,
                    "derby": False,
                }
                async with b.runtime.sessionmaker() as session:
                    assert (await read_policy(session, nch_id)).partners == []  # until accepted
                stale = await nch.call(
                    "POST",
                    f"/{nid}/acceptance",
                    {"agreement_version": 1, "contact": contact("Nina", "nch")},
                )
                assert stale.status_code == 422, stale.text
                assert stale.json()["errors"][0]["field"] == "agreement_version"
                for api, who, there in ((nch, "Nina", b), (derby, "Dev", c)):
                    await api.ok(
                        "POST",
                        f"/{nid}/acceptance",
                        {"agreement_version": 2, "contact": contact(who, api.org)},
                    )
                    assert await deliver(there, client) == 2

            # The founding node is gone: the others still serve and change the network.
            await nch.ok("PUT", f"/{nid}/terms", {**TERMS, "agreement": "Version three."})
            assert await deliver(b, client, down=1) == 1  # C has it; A does not answer
            await derby.ok(
                "POST",
                f"/{nid}/acceptance",
                {"agreement_version": 3, "contact": contact("Dev", "derby")},
            )
            assert await deliver(c, client, down=1) == 1
            now_on_b = await nch.ok("GET", f"/{nid}")
            assert (now_on_b["version"], now_on_b["agreement_version"]) == (12, 3)
            assert now_on_b == await derby.ok("GET", f"/{nid}")

            with live_node(a.settings, port=ports[0]):
                # Back: the founding node catches up in version order and accepts too.
                assert await deliver(b, client) == 1
                assert await deliver(c, client) == 1
                assert (await brent.ok("GET", f"/{nid}"))["version"] == 12
                await brent.ok(
                    "POST",
                    f"/{nid}/acceptance",
                    {"agreement_version": 3, "contact": contact("Anna", "brent")},
                )
                assert await deliver(a, client) == 2

                # A derby mentee asks an nch mentor through a card ...
                pulled = await pull_feed(c.runtime, B, client)
                assert (pulled.error, pulled.cards) == (None, 5)
                found = await client.get(
                    f"{C}/api/v1/me/suggestions", headers=await browser(c, "derby", mentee)
                )
                handle, peer = found.json()["items"][0]["candidate"]["id"].split("@", 1)
                sent = await client.post(
                    f"{C}/api/v1/me/requests",
                    json={
                        "scheme_id": str(derby_scheme),
                        "mentors": [{"remote": {"peer": peer, "handle": handle}}],
                    },
                    headers=await browser(c, "derby", mentee),
                )
                assert sent.status_code == 201, sent.text
                assert await deliver(c, client) == 1

                # ... and derby leaves: the request is withdrawn, nch stops publishing to it.
                await derby.ok("POST", f"/{nid}/leave")
                assert await deliver(c, client) == 3  # request.withdraw to B, the change to A and B
                async with b.runtime.sessionmaker() as session:
                    [incoming] = (
                        await session.scalars(MentoringRequest.__table__.select())
                    ).all() and [
                        r for r in await session.execute(MentoringRequest.__table__.select())
                    ]
                    assert incoming.state == "withdrawn"
                    assert set((await read_policy(session, nch_id)).partners or []) == {
                        f"brent@{A}"
                    }
                again = await pull_feed(c.runtime, B, client)
                assert (again.cards, again.tombstones) == (0, 5)
                left = await brent.ok("GET", f"/{nid}/directory")
                assert {o["org"] for o in left["organisations"]} == {"brent", "nch"}
    assert [m.id for m in nch_mentors]
