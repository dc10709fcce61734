"""A network's shared events on three real nodes over loopback (issue 18, item 4): brent's
node publishes a mentee briefing to its network; mentees of nch and derby register through
their own nodes; capacity, the waiting list and moving up when someone cancels; attendance
recorded by the organiser making a mentee eligible under their own organisation's
``training_completed`` rule; only name, organisation and work email on the organiser's node;
and refusals (a non-member node, an event of another network, a forged sender, a third node's
answer) that leave every table as it was. People act through real sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from federation import wire
from federation.erasure import erase_everywhere
from federation.signing import new_jti, sign
from orgs.audit import ActorRef
from orgs.networks.event_models import EventBooking, EventRegistration, PlaceState
from orgs.pairing.sharing import SharingPolicy
from orgs.people.members import Member
from orgs.people.roles import Role
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService
from tests.e2e import test_networks as three_nodes
from tests.e2e.test_cross_node_request import approved_person, setup_org
from tests.e2e.test_networks import TERMS, Api, browser, contact, deliver, person, post_inbox
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, changed

# The three live nodes of tests/e2e/test_networks.py, each with its own database.
third_database_url = three_nodes.third_database_url
third_settings = three_nodes.third_settings
ports = three_nodes.ports
nodes = three_nodes.nodes


BRIEFING_RULES = {
    "mentee": [
        {
            "rule": "briefed",
            "excludes": "Mentees first attend a mentee briefing",
            "admits": "Attended a mentee briefing",
            "training_completed": "mentee-briefing",
        }
    ],
    "mentor": [],
}


def briefing(capacity: int, **changes: Any) -> dict[str, Any]:
    starts = datetime.now(UTC) + timedelta(hours=1)
    return {
        "kind": "briefing",
        "title": "Mentee briefing: getting the most from mentoring",
        "details": "What to expect, how to prepare, how the network works.",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "link": "https://meet.brent.example/briefing",
        "capacity": capacity,
        "audience": "mentees",
        **changes,
    }


class Events:
    """An org's events API on one node, as one of its people."""

    def __init__(self, client: httpx.AsyncClient, where: Node, org: str, headers: dict[str, str]):
        self.client, self.headers = client, headers
        self.base = f"{where.settings.base_url}/api/v1/orgs/{org}"

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return await self.client.request(method, self.base + path, json=body, headers=self.headers)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.call(method, path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()


async def network_of_three(
    client: httpx.AsyncClient, nodes: tuple[Node, Node, Node]
) -> tuple[str, dict[str, uuid.UUID], dict[str, uuid.UUID], dict[str, Api]]:
    """brent (A) founds the network, nch (B) and derby (C) join; returns (network id, org ids,
    scheme ids, each org admin's networks API)."""
    a, b, c = nodes
    orgs, schemes = {}, {}
    for where, slug, name in ((a, "brent", "Brent"), (b, "nch", "NCH"), (c, "derby", "Derby")):
        orgs[slug], schemes[slug] = await setup_org(where, slug, name, SharingPolicy())
    for x in nodes:
        for y in nodes:
            if x is not y:
                await x.pin(y)
    admins = {
        slug: Api(
            client,
            where,
            slug,
            await browser(
                where, slug, await person(where, orgs[slug], f"{slug}-admin", Role.ORG_ADMIN)
            ),
        )
        for where, slug in ((a, "brent"), (b, "nch"), (c, "derby"))
    }
    founded = await admins["brent"].ok("POST", "", {**TERMS, "contact": contact("Anna", "brent")})
    nid = founded["network_id"]
    for slug, where in (("nch", b), ("derby", c)):
        await admins["brent"].ok(
            "POST",
            f"/{nid}/invitations",
            {"org": slug, "node": where.settings.base_url, "display_name": slug.upper()},
        )
    await deliver(a, client)
    for slug, where in (("nch", b), ("derby", c)):
        await admins[slug].ok(
            "POST", f"/{nid}/acceptance", {"agreement_version": 1, "contact": contact("C", slug)}
        )
        await deliver(where, client)
    return nid, orgs, schemes, admins


async def mentee(where: Node, org_id: uuid.UUID, scheme_id: uuid.UUID, employee_id: str) -> Member:
    return await approved_person(
        where,
        org_id,
        scheme_id,
        employee_id,
        (employee_id.title(), "Okafor"),
        mentee={"housing": 5},
    )


async def test_registration_across_nodes_with_a_waiting_list_and_attendance_that_counts(
    nodes: tuple[Node, Node, Node], ports: tuple[int, int, int]
) -> None:
    a, b, c = nodes
    with (
        live_node(a.settings, port=ports[0]),
        live_node(b.settings, port=ports[1]),
        live_node(c.settings, port=ports[2]),
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            nid, orgs, schemes, admins = await network_of_three(client, nodes)
            coordinator = await person(a, orgs["brent"], "brent-nc", Role.NETWORK_COORDINATOR)
            organiser = Events(client, a, "brent", await browser(a, "brent", coordinator))
            staff = await person(a, orgs["brent"], "brent-staff", None)
            refused = await Events(client, a, "brent", await browser(a, "brent", staff)).call(
                "POST", f"/networks/{nid}/events", briefing(2)
            )
            assert refused.status_code == 403, refused.text

            event = await organiser.ok("POST", f"/networks/{nid}/events", briefing(2))
            eid = event["event_id"]
            assert await deliver(a, client) == 2  # to B and to C
            for where, slug in ((b, "nch"), (c, "derby")):
                seen = await Events(client, where, slug, admins[slug].headers).ok(
                    "GET", f"/networks/{nid}/events"
                )
                assert [(e["event_id"], e["capacity"]) for e in seen] == [(eid, 2)]

            nina = await mentee(b, orgs["nch"], schemes["nch"], "nm1")
            dev = await mentee(c, orgs["derby"], schemes["derby"], "dm1")
            nadia = await mentee(b, orgs["nch"], schemes["nch"], "nm2")
            as_nina = Events(client, b, "nch", await browser(b, "nch", nina))
            as_dev = Events(client, c, "derby", await browser(c, "derby", dev))
            as_nadia = Events(client, b, "nch", await browser(b, "nch", nadia))

            # No consent, nothing sent and nothing kept.
            before = await b.tables()
            no = await as_nina.call(
                "POST", f"/events/{eid}/registration", {"consent": False, "role": "mentee"}
            )
            assert no.status_code == 422, no.text
            assert no.json()["errors"][0]["field"] == "consent"
            assert changed(before, await b.tables()) == set()

            for who, where in ((as_nina, b), (as_dev, c)):
                mine = await who.ok(
                    "POST", f"/events/{eid}/registration", {"consent": True, "role": "mentee"}
                )
                assert mine["state"] == "pending"
                assert await deliver(where, client) == 1
            assert await deliver(a, client) == 2  # both places confirmed
            await as_nadia.ok(
                "POST", f"/events/{eid}/registration", {"consent": True, "role": "mentee"}
            )
            assert await deliver(b, client) == 1
            assert await deliver(a, client) == 1
            states = [
                (await who.ok("GET", f"/events/{eid}/registration"))
                for who in (as_nina, as_dev, as_nadia)
            ]
            assert [(s["state"], s["waiting_position"]) for s in states] == [
                ("confirmed", None),
                ("confirmed", None),
                ("waiting", 1),
            ]

            # Privacy: the organiser's node holds name, organisation and work email only.
            listed = await organiser.ok("GET", f"/events/{eid}/registrations")
            assert [(r["name"], r["attendee_org"], r["work_email"]) for r in listed] == [
                ("Nm1 Okafor", "nch", "nm1.okafor@n.example"),
                ("Dm1 Okafor", "derby", "dm1.okafor@d.example"),
                ("Nm2 Okafor", "nch", "nm2.okafor@n.example"),
            ]
            held = str(await a.tables())
            for member in (nina, dev, nadia):
                assert f"'{member.employee_id}'" not in held  # (it is in their email too)
                assert str(member.id) not in held

            # Nina gives up her place: Nadia moves up, on her own node too.
            await as_nina.ok("DELETE", f"/events/{eid}/registration")
            assert await deliver(b, client) == 1
            assert await deliver(a, client) == 1
            moved = await as_nadia.ok("GET", f"/events/{eid}/registration")
            assert (moved["state"], moved["waiting_position"]) == ("confirmed", None)

            # nch counts the briefing as its own training; its rule needs it for mentees.
            async with b.runtime.sessionmaker() as session, session.begin():
                service = SchemeService(session, orgs["nch"])
                scheme = await service.get(schemes["nch"])
                training = await service.add_training(
                    scheme, SchemeRole.MENTEE, "Mentee briefing", "mentee-briefing", None
                )
            nch_admin = Events(client, b, "nch", admins["nch"].headers)
            rules = await nch_admin.call(
                "PUT", f"/schemes/{schemes['nch']}/rules", {"document": BRIEFING_RULES}
            )
            assert rules.status_code in (200, 201), rules.text
            await nch_admin.ok("PUT", f"/events/{eid}/training", {"training_id": str(training.id)})
            check = f"/schemes/{schemes['nch']}/eligibility/check?role=mentee"
            assert (await as_nadia.ok("GET", check))["eligible"] is False

            # The organiser takes attendance; it reaches Nadia's node and counts there.
            [nadia_reg] = [r for r in listed if r["name"] == "Nm2 Okafor"]
            not_placed = await organiser.call(
                "PUT",
                f"/events/{eid}/attendance",
                {"registration_id": listed[0]["registration_id"], "attended": True},
            )
            assert not_placed.status_code == 422  # Nina gave her place up
            await organiser.ok(
                "PUT",
                f"/events/{eid}/attendance",
                {"registration_id": nadia_reg["registration_id"], "attended": True},
            )
            assert await deliver(a, client) == 1
            assert (await as_nadia.ok("GET", f"/events/{eid}/registration"))["attended"] is True
            decided = await as_nadia.ok("GET", check)
            assert decided["eligible"] is True, decided
            assert (await as_nina.ok("GET", check))["eligible"] is False

            # Erasing Dev removes his registration on the organiser's node.
            async with c.runtime.sessionmaker() as session, session.begin():
                await erase_everywhere(
                    session,
                    orgs["derby"],
                    dev.id,
                    by=ActorRef.system("test"),
                    now=datetime.now(UTC),
                )
            assert await deliver(c, client) >= 1
            left = await organiser.ok("GET", f"/events/{eid}/registrations")
            assert "derby" not in {r["attendee_org"] for r in left}
            assert "Dm1 Okafor" not in str(await a.tables())
            assert "Dm1 Okafor" not in str(await c.tables())

            # Cancelling the event reaches every booking.
            await organiser.ok("POST", f"/events/{eid}/cancel")
            assert await deliver(a, client) == 2
            assert (await as_nadia.call("GET", f"/events/{eid}/registration")).status_code == 404
            [shown] = await as_nadia.ok("GET", f"/networks/{nid}/events")
            assert shown["status"] == "cancelled"


async def test_registrations_from_outside_the_network_or_forged_leave_every_table_unchanged(
    nodes: tuple[Node, Node, Node], ports: tuple[int, int, int]
) -> None:
    a, b, c = nodes
    stranger = Identity(f"http://127.0.0.1:{free_port()}", ("evil",))
    with (
        live_node(a.settings, port=ports[0]),
        live_node(b.settings, port=ports[1]),
        live_node(c.settings, port=ports[2]),
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            nid, orgs, schemes, admins = await network_of_three(client, nodes)
            await stranger.pinned_by(a)
            await stranger.pinned_by(b)
            organiser = Events(client, a, "brent", admins["brent"].headers)
            eid = (await organiser.ok("POST", f"/networks/{nid}/events", briefing(5)))["event_id"]
            assert await deliver(a, client) == 2
            # A second network of brent's alone, with its own event.
            other = await admins["brent"].ok(
                "POST", "", {**TERMS, "name": "Brent only", "contact": contact("Anna", "brent")}
            )
            other_eid = (
                await organiser.ok("POST", f"/networks/{other['network_id']}/events", briefing(5))
            )["event_id"]
            url_a, url_b = a.settings.base_url, b.settings.base_url

            def attendee(org: str) -> wire.EventAttendee:
                return wire.EventAttendee(
                    name="Eve Intruder", org=org, work_email="eve@evil.example", role="mentee"
                )

            def register(iss: str, event_id: str, org: str) -> wire.EventRegister:
                now = int(datetime.now(UTC).timestamp())
                return wire.EventRegister(
                    iss=iss,
                    aud=url_a,
                    iat=now,
                    exp=now + 60,
                    jti=new_jti(),
                    mid=new_jti(),
                    event_id=event_id,
                    registration_id=new_jti(),
                    attendee=attendee(org),
                )

            ring_b = await b.ring()
            tokens = {
                # A node that is not in the network, for its own org.
                "non-member": stranger.sign(register(stranger.node_id, eid, "evil")),
                # ... or for an org it does not host.
                "not-hosted": stranger.sign(register(stranger.node_id, eid, "nch")),
                # nch is a member, but not of the network this event belongs to.
                "other network": sign(register(url_b, other_eid, "nch"), ring_b.active),
                # Claiming to be B, signed by another key.
                "forged sender": stranger.sign(register(url_b, eid, "nch")),
            }
            before = await a.tables()
            answers = {
                name: (await post_inbox(client, a, token)).status_code
                for name, token in tokens.items()
            }
            assert answers == {
                "non-member": 403,
                "not-hosted": 403,
                "other network": 403,
                "forged sender": 401,
            }
            assert changed(before, await a.tables()) == set()

            # A third node cannot say where B's registration stands, nor publish for brent.
            nm = await mentee(b, orgs["nch"], schemes["nch"], "nm1")
            as_nm = Events(client, b, "nch", await browser(b, "nch", nm))
            await as_nm.ok(
                "POST", f"/events/{eid}/registration", {"consent": True, "role": "mentee"}
            )
            booking = await as_nm.ok("GET", f"/events/{eid}/registration")
            place = stranger.message(
                wire.EventPlace,
                b,
                event_id=eid,
                registration_id=booking["registration_id"],
                state="confirmed",
                attended=True,
            )
            publish = stranger.message(
                wire.EventPublish,
                b,
                event=wire.SharedEvent(
                    event_id=new_jti(),
                    network_id=nid,
                    organiser_org="evil",
                    version=1,
                    kind="workshop",
                    title="Free lunch",
                    starts_at=int(datetime.now(UTC).timestamp()) + 3600,
                    ends_at=int(datetime.now(UTC).timestamp()) + 7200,
                    place="Somewhere",
                    capacity=5,
                    audience="anyone",
                ),
            )
            before_b = await b.tables()
            assert (await post_inbox(client, b, stranger.sign(place))).status_code == 404
            assert (await post_inbox(client, b, stranger.sign(publish))).status_code == 403
            assert changed(before_b, await b.tables()) == set()

            # The genuine registration from B goes through.
            assert await deliver(b, client) == 1
            assert await deliver(a, client) == 1
            placed = await as_nm.ok("GET", f"/events/{eid}/registration")
            assert placed["state"] == "confirmed"

            # nch leaves the network: its person's place goes, on both nodes.
            await admins["nch"].ok("POST", f"/{nid}/leave")
            assert await deliver(b, client) == 2  # the change, to A and to C
            async with a.runtime.sessionmaker() as session:
                [state] = (
                    await session.scalars(
                        select(EventRegistration.state).where(
                            EventRegistration.registration_id == booking["registration_id"]
                        )
                    )
                ).all()
            assert state is PlaceState.CANCELLED
            async with b.runtime.sessionmaker() as session:
                kept = await session.scalar(
                    select(EventBooking.state).where(
                        EventBooking.registration_id == booking["registration_id"]
                    )
                )
            assert kept is PlaceState.CANCELLED
