"""The demo's network and its shared workshop (issue 18, item 7): the three demo organisations
form "MyMentor London and East Midlands" (brent founds it on node A, harrow on the same node and
nch on node B join), brent publishes a half-day mentor skills workshop, and a mentor of harrow
(node A) and one of nch (node B) register for it through their own nodes; harrow counts it as
its mentor training.

The two demo nodes are not running while they are seeded, so their messages are handed from
one database to the other in-process (``relay``): the same outbox rows, built into the same
wire messages, taken by the same inbox and handlers; only the HTTP and the signature, between
two nodes of the same demo, are left out. Running it again changes nothing.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select

from federation.event_handlers import events
from federation.inbox import Inbox
from federation.inbox_handlers import HANDLERS
from federation.network_handlers import networks
from federation.outbox import Outbox, OutboxMessage, OutboxStatus, build_attempt
from network.runtime import Runtime
from orgs.errors import DomainError
from orgs.networks.event_models import Audience, EventKind, NetworkEvent
from orgs.networks.events import EventIn, RegisterIn, TrainingLinkIn
from orgs.networks.record import Contact
from orgs.networks.service import AcceptIn, InviteIn, NetworkIn
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import SchemeService

NETWORK: Final = "MyMentor London and East Midlands"
WORKSHOP: Final = "Mentor skills: a half-day workshop"


async def relay(sender: Runtime, sender_url: str, receiver: Runtime, receiver_url: str) -> int:
    """Hand every message ``sender`` queued for ``receiver`` to its inbox, in order."""
    handed = 0
    async with sender.sessionmaker() as out, out.begin():
        rows = (
            await out.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.peer == receiver_url,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .order_by(OutboxMessage.created_at)
            )
        ).all()
        now = int(datetime.now(UTC).timestamp())
        for row in rows:
            message = build_attempt(row, me=sender_url, now=now)
            async with receiver.sessionmaker() as into, into.begin():
                await Inbox(into, HANDLERS).accept(message)
            await Outbox(out).delivered(row, datetime.now(UTC))
            handed += 1
    return handed


async def _post(runtime: Runtime, slug: str, post: str) -> Member | None:
    async with runtime.sessionmaker() as session:
        org = await OrgRegistry(session).get(slug)
        for member in await MemberRepository(session, org.id).list():
            if (member.attributes or {}).get("demo_role") == post:
                return member
    return None


async def _network_id(runtime: Runtime) -> str | None:
    async with runtime.sessionmaker() as session:
        for record in await networks(session, "").replica.all_current():
            if record.terms.name == NETWORK:
                return record.network_id
    return None


async def seed_demo_network(a: Runtime, a_url: str, b: Runtime, b_url: str) -> str:
    """The demo network, founded on node A if it is not there yet; returns its id."""
    found = await _network_id(a)
    if found is not None:
        return found
    async with a.sessionmaker() as session, session.begin():
        registry = OrgRegistry(session)
        brent, harrow = await registry.get("brent"), await registry.get("harrow")
        service = networks(session, a_url)
        record = await service.create(
            Actor.operator(brent.id),
            NetworkIn(
                name=NETWORK,
                purpose="Mentoring across our organisations, and shared training for it",
                agreement="Members offer mentors to each other, keep each other's rules and "
                "share their mentor and mentee training.",
                review_on=datetime.now(UTC).date() + timedelta(days=365),
                contact=Contact(name="Brent mentoring team", work_email="mentoring@brent.gov.uk"),
            ),
        )
        for slug, node, name in (
            ("harrow", a_url, harrow.name),
            ("nch", b_url, "Nottingham City Homes"),
        ):
            await service.invite(
                Actor.operator(brent.id),
                record.network_id,
                InviteIn(org=slug, node=node, display_name=name),
            )
        await service.accept(
            Actor.operator(harrow.id),
            record.network_id,
            AcceptIn(
                agreement_version=1,
                contact=Contact(name="Harrow mentoring team", work_email="mentoring@harrow.gov.uk"),
            ),
        )
    await relay(a, a_url, b, b_url)
    async with b.sessionmaker() as session, session.begin():
        nch = await OrgRegistry(session).get("nch")
        await networks(session, b_url).accept(
            Actor.operator(nch.id),
            record.network_id,
            AcceptIn(
                agreement_version=1,
                contact=Contact(name="NCH mentoring team", work_email="mentoring@nch.org.uk"),
            ),
        )
    await relay(b, b_url, a, a_url)
    return record.network_id


async def seed_demo_workshop(a: Runtime, a_url: str, b: Runtime, b_url: str) -> None:
    """brent's mentor skills workshop, with a mentor of harrow (node A) and of nch (node B)
    registered, and harrow counting it as its mentor training."""
    network_id = await seed_demo_network(a, a_url, b, b_url)
    async with a.sessionmaker() as session, session.begin():
        if await session.scalar(select(NetworkEvent.id).where(NetworkEvent.title == WORKSHOP)):
            return
        brent = await OrgRegistry(session).get("brent")
        starts = (datetime.now(UTC) + timedelta(days=14)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
        event = await events(session, a_url).publish(
            Actor.operator(brent.id),
            network_id,
            EventIn(
                kind=EventKind.WORKSHOP,
                title=WORKSHOP,
                details="Listening, questioning and goal setting, with practice in threes. "
                "Counts as mentor training in member organisations that link it.",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3, minutes=30),
                place="Brent Civic Centre, 32 Engineers Way, Wembley HA9 0FJ",
                link="https://meet.example/mymentor-mentor-skills",
                capacity=16,
                audience=Audience.MENTORS,
            ),
        )
        harrow = await OrgRegistry(session).get("harrow")
        scheme = (await SchemeService(session, harrow.id).list())[0]
        trainings = await SchemeService(session, harrow.id).list_trainings(scheme)
        if trainings:
            await events(session, a_url).link_training(
                Actor.operator(harrow.id),
                event.event_id,
                TrainingLinkIn(training_id=trainings[0].id),
            )
    await relay(a, a_url, b, b_url)
    for runtime, url, slug in ((a, a_url, "harrow"), (b, b_url, "nch")):
        mentor = await _post(runtime, slug, "mentor")
        if mentor is None:
            continue
        async with runtime.sessionmaker() as session, session.begin():
            member = await session.get_one(Member, mentor.id)
            # A demo mentor who has not applied as a mentor is simply not registered.
            with contextlib.suppress(DomainError):
                async with session.begin_nested():
                    await events(session, url).register(
                        Actor.of_member(member),
                        event.event_id,
                        RegisterIn(consent=True, role="mentor"),
                    )
    await relay(b, b_url, a, a_url)
    await relay(a, a_url, b, b_url)
