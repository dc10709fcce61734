"""A network's shared events on the wire (docs/networks.md, "Shared events").

Each message is verified by the inbox like any other (pinned key, audience, freshness,
replay) and tenancy-checked (``federation/tenancy.py``: the sender hosts the event's organiser,
or the attendee's organisation) before these run; what each may change is then decided by
``orgs.networks.events``: an event only from a member of its network in good standing, a
registration only for an event organised here by a member of a network the attendee's org is
in, a place only from the node organising that event.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.inbox import received_token
from federation.outbox import OutboxMessage, OutboxStatus
from federation.relationship_outbox import outbox_sink
from orgs.errors import InvalidInput
from orgs.networks.event_models import EventBooking, PlaceState
from orgs.networks.events import Attendee, EventFacts, Events

ERASED_ATTENDEE: Final = {"name": "a former member", "work_email": "erased@erased.invalid"}


def events(session: AsyncSession, me: str) -> Events:
    """The shared events of node ``me``, telling other nodes through the outbox."""
    return Events(session, me, outbox_sink(session))


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def as_facts(event: wire.SharedEvent) -> EventFacts:
    if event.ends_at <= event.starts_at:
        raise InvalidInput.on("event.ends_at", "ends after it starts")
    values = msgspec.structs.asdict(event)
    values.update(starts_at=_instant(event.starts_at), ends_at=_instant(event.ends_at))
    return msgspec.convert(values, EventFacts)


async def event_published(session: AsyncSession, message: wire.EventPublish) -> None:
    await events(session, message.aud).event_published(
        message.iss, as_facts(message.event), signed=received_token.get()
    )


async def registered(session: AsyncSession, message: wire.EventRegister) -> None:
    attendee = msgspec.convert(msgspec.to_builtins(message.attendee), Attendee)
    await events(session, message.aud).take_place(
        message.event_id, message.registration_id, message.iss, attendee
    )


async def unregistered(session: AsyncSession, message: wire.EventUnregister) -> None:
    await events(session, message.aud).give_up_place(
        message.event_id, message.registration_id, message.iss, erase=message.erase
    )


async def place_changed(session: AsyncSession, message: wire.EventPlace) -> None:
    await events(session, message.aud).place_changed(
        message.event_id,
        message.registration_id,
        message.iss,
        state=PlaceState(message.state),
        waiting_position=message.waiting_position,
        attended=message.attended,
    )


async def forget_registrations(
    session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """A person of ours erased: the ``event.register`` messages that carried their name and
    work email keep no body once delivered, and one still queued goes with a neutral
    attendee (the ``event.unregister`` with ``erase`` behind it removes the registration)."""
    ids = list(
        await session.scalars(
            select(EventBooking.registration_id).where(
                EventBooking.org_id == org_id, EventBooking.member_id == member_id
            )
        )
    )
    if not ids:
        return
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_type == "event.register")
    )
    for row in rows:
        if row.body.get("registration_id") not in ids:
            continue
        if row.status is OutboxStatus.DELIVERED:
            row.body = {}
        else:
            attendee = {**row.body["attendee"], **ERASED_ATTENDEE}
            row.body = {**row.body, "attendee": attendee}
    await session.flush()
