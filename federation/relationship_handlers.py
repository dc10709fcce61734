"""Inbox handlers for the shared relationship record (``relationship.record`` on the mentor's
node, ``relationship.change`` on the mentee's): the verified message, already checked to speak
only for an org its sender hosts, goes to ``orgs.mentoring.shared_record``. A change for a
relationship the sender is not the other party of, or made against a version from the future,
raises: the inbox stores nothing and the sender is refused."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.relationship_outbox import outbox_sink
from orgs.db import utcnow
from orgs.mentoring.shared_record import apply_change, apply_record


async def record_received(session: AsyncSession, message: wire.RelationshipRecord) -> None:
    body = msgspec.to_builtins(message)
    await apply_record(
        session,
        peer=message.iss,
        remote_ref=message.request_id,
        record=body,
        now=utcnow(),
        remote=outbox_sink(session),
    )


async def change_received(session: AsyncSession, message: wire.RelationshipChange) -> None:
    await apply_change(
        session,
        peer=message.iss,
        remote_ref=message.request_id,
        change_id=message.change_id,
        base_version=message.base_version,
        op=msgspec.to_builtins(message.op),
        now=utcnow(),
        remote=outbox_sink(session),
    )
