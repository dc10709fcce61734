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
import msgspec
import pytest
from msgspec.structs import replace

from federation import wire
from federation.signing import new_jti, sign
from network import migrate
from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from network.federation.wiring import INBOX_PATH
from orgs.networks.record import Invite, NetworkRecord, Standing, apply_change
from orgs.networks.replica import NetworkVersion, Replica
from orgs.pairing.requests import MentoringRequest
from orgs.pairing.sharing import SharingPolicy, read_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.roles import MemberRole, Role
from tests import services
from tests.conftest import TABLES
from tests.e2e.test_cross_node_request import approved_person, setup_org
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, changed, node
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
    services.empty_tables(third_database_url, TABLES)


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
    url_a, url_b, url_c = (n.settings.base_url for n in nodes)

    with live_node(b.settings, port=ports[1]), live_node(c.settings, port=ports[2]):
        async with httpx.AsyncClient(timeout=15) as client:
            brent = Api(client, a, "brent", await browser(a, "brent", brent_admin))
            staff = Api(client, a, "brent", await browser(a, "brent", brent_staff))
            nch = Api(client, b, "nch", await browser(b, "nch", nch_admin))
            derby = Api(client, c, "derby", await browser(c, "derby", derby_admin))
            outsider = Api(client, b, "other", await browser(b, "other", other_admin))

            with live_node(a.settings, port=ports[0]):
                # Only an org admin founds a network: a member's attempt leaves nothing.
                refused = await staff.call("POST", "", {**TERMS, "contact": contact("Bo", "brent")})
                assert refused.status_code == 403, refused.text
                assert await versions(a) == []

                founded = await brent.ok("POST", "", {**TERMS, "contact": contact("Anna", "brent")})
                nid = founded["network_id"]
                # An org that is not on the node named is not invited: nothing changes.
                ghost = await brent.call(
                    "POST",
                    f"/{nid}/invitations",
                    {"org": "ghost", "node": url_b, "display_name": "G"},
                )
                assert ghost.status_code == 403, ghost.text
                await brent.ok(
                    "POST",
                    f"/{nid}/invitations",
                    {"org": "nch", "node": url_b, "display_name": "NCH"},
                )
                await brent.ok(
                    "POST",
                    f"/{nid}/invitations",
                    {"org": "derby", "node": url_c, "display_name": "Derby City Council"},
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
                assert [v[0] for v in held[url_a]] == [1, 2, 3, 4, 5]
                assert held[url_a][3][1:] == (
                    f"nch@{url_b}",
                    "accept",
                    True,
                )  # signed by B, kept on A
                # C's copy starts at the invitation that brought it, as A's node signed it.
                assert [v[0] for v in held[url_c]] == [3, 4, 5]
                assert held[url_c][0][1:] == (f"brent@{url_a}", "invite", True)
                assert held[url_a][3] == held[url_c][1]

                # Joining set the sharing policy with the other members.
                async with b.runtime.sessionmaker() as session:
                    assert set((await read_policy(session, nch_id)).partners or []) == {
                        f"brent@{url_a}",
                        f"derby@{url_c}",
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
                    f"{url_a}/api/v1/orgs/brent/roles",
                    json={"member_id": str(brent_staff.id), "role": "network_coordinator"},
                    headers=brent.headers,
                )
                assert granted.status_code == 201, granted.text
                foreign = await client.post(
                    f"{url_a}/api/v1/orgs/brent/roles",
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
                assert "@" not in str(list(reported["organisations"]))  # no contacts

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
                pulled = await pull_feed(c.runtime, url_b, client)
                assert (pulled.error, pulled.cards) == (None, 5)
                found = await client.get(
                    f"{url_c}/api/v1/me/suggestions", headers=await browser(c, "derby", mentee)
                )
                handle, peer = found.json()["items"][0]["candidate"]["id"].split("@", 1)
                sent = await client.post(
                    f"{url_c}/api/v1/me/requests",
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
                    ).all() and list(await session.execute(MentoringRequest.__table__.select()))
                    assert incoming.state == "withdrawn"
                    assert set((await read_policy(session, nch_id)).partners or []) == {
                        f"brent@{url_a}"
                    }
                again = await pull_feed(c.runtime, url_b, client)
                assert (again.cards, again.tombstones) == (0, 5)
                left = await brent.ok("GET", f"/{nid}/directory")
                assert {o["org"] for o in left["organisations"]} == {"brent", "nch"}
    assert [m.id for m in nch_mentors]


def as_wire(record: NetworkRecord) -> wire.NetworkRecord:
    return msgspec.convert(msgspec.to_builtins(record), wire.NetworkRecord)


async def post_inbox(client: httpx.AsyncClient, to: Node, token: str) -> httpx.Response:
    return await client.post(
        to.settings.base_url + INBOX_PATH,
        content=token,
        headers={"content-type": "application/jose"},
    )


async def test_forged_replayed_and_foreign_changes_leave_the_copy_as_it_was(
    nodes: tuple[Node, Node, Node], ports: tuple[int, int, int]
) -> None:
    a, b, _ = nodes
    brent_id, _ = await setup_org(a, "brent", "London Borough of Brent", SharingPolicy())
    nch_id, _ = await setup_org(b, "nch", "Nottingham City Homes", SharingPolicy())
    await a.pin(b)
    await b.pin(a)
    stranger = Identity(f"http://127.0.0.1:{free_port()}", ("evil",))
    await stranger.pinned_by(b)
    brent_admin = await person(a, brent_id, "ba", Role.ORG_ADMIN)
    url_a, url_b = a.settings.base_url, b.settings.base_url
    with live_node(a.settings, port=ports[0]), live_node(b.settings, port=ports[1]):
        async with httpx.AsyncClient(timeout=15) as client:
            brent = Api(client, a, "brent", await browser(a, "brent", brent_admin))
            nid = (await brent.ok("POST", "", {**TERMS, "contact": contact("Anna", "brent")}))[
                "network_id"
            ]
            await brent.ok(
                "POST", f"/{nid}/invitations", {"org": "nch", "node": url_b, "display_name": "NCH"}
            )
            assert await deliver(a, client) == 1
            async with b.runtime.sessionmaker() as session:
                held = await Replica(session).current(nid)
            assert held is not None
            assert held.version == 2

            invite_evil = Invite(org="evil", node=stranger.node_id, display_name="Evil")
            as_brent = apply_change(held, invite_evil, f"brent@{url_a}")

            def change(author_org: str, record: NetworkRecord, op: Any) -> dict[str, Any]:
                return {
                    "network_id": nid,
                    "author_org": author_org,
                    "change": msgspec.convert(msgspec.to_builtins(op), wire.NetworkChangeOp),
                    "record": as_wire(record),
                }

            # A peer speaking for an org it does not host.
            not_hosted = stranger.sign(
                stranger.message(wire.NetworkChange, b, **change("brent", as_brent, invite_evil))
            )
            # A peer speaking for its own org, which is not a member: not its change to make.
            not_member = stranger.sign(
                stranger.message(wire.NetworkChange, b, **change("evil", as_brent, invite_evil))
            )
            # A's own key, but a record that is not what its change makes of version 2.
            ring = await a.ring()
            tampered = msgspec.structs.replace(
                as_brent,
                members=tuple(
                    msgspec.structs.replace(m, standing=Standing.MEMBER, accepted_version=1)
                    for m in as_brent.members
                ),
            )
            now = int(datetime.now(UTC).timestamp())
            from_a = wire.NetworkChange(
                iss=url_a,
                aud=url_b,
                iat=now,
                exp=now + 60,
                jti=new_jti(),
                mid=new_jti(),
                **change("brent", tampered, invite_evil),
            )
            forged_by_a = sign(from_a, ring.active)
            # Claiming to be A, signed by the stranger's key.
            impostor = stranger.sign(replace(from_a, jti=new_jti(), mid=new_jti()))

            before = await b.tables()
            refusals = [
                (await post_inbox(client, b, token)).status_code
                for token in (not_hosted, not_member, not_member, forged_by_a, impostor)
            ]
            assert refusals == [403, 403, 401, 403, 401]
            assert changed(before, await b.tables()) == set()
            async with b.runtime.sessionmaker() as session:
                assert (await Replica(session).current(nid)) == held
                assert (await read_policy(session, nch_id)).partners is None

            # A change that brent's node makes and signs goes through.
            await brent.ok("PUT", f"/{nid}/terms", {**TERMS, "agreement": "Version two."})
            assert await deliver(a, client) == 1
            async with b.runtime.sessionmaker() as session:
                now_held = await Replica(session).current(nid)
            assert now_held is not None
            assert now_held.version == 3
