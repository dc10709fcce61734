"""The federation side of the relationship hook: what ``orgs`` asks to tell another node goes
into the outbox, in the same transaction as the change that caused it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox import Outbox
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink


def outbox_sink(session: AsyncSession) -> RemoteSink:
    outbox = Outbox(session)

    def enqueue(event: RemoteEvent) -> None:
        outbox.enqueue(event.peer, event.kind, event.body)

    return enqueue
