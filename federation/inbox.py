"""The inbox: every verified message is stored before it is answered, once per (sender, mid).

A retried message (same ``mid``, fresh ``jti``) finds its row and takes no second effect; the
handler for its type runs in the same transaction as the store, so effect and record commit
together or not at all. Before either, a message speaking for an organisation its sender does
not host is refused (``federation.tenancy``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Final

import msgspec
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation import wire
from federation.peer_registry import PeerRegistry
from federation.tenancy import check_hosted
from orgs.db import Base, utcnow

Handler = Callable[[AsyncSession, Any], Awaitable[None]]
#: Kept by (sender, mid) only, once handled: the shared relationship record lives in the module
#: tables, where a log entry its author unshares is deleted; a copy here would outlive that.
#: A registration for a shared event lives in its own table, which erasure deletes from.
FORGET_ON_RECEIPT: Final = frozenset(
    {"relationship.record", "relationship.change", "event.register"}
)

#: The verified token of the message being handled ("" when delivered in-process), for a
#: handler that keeps the signed copy (a network's record).
received_token: ContextVar[str] = ContextVar("received_token", default="")


class InboxEntry(Base):
    __tablename__ = "federation_inbox"
    __table_args__ = (UniqueConstraint("sender", "mid"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sender: Mapped[str] = mapped_column(String(500))
    mid: Mapped[str] = mapped_column(String(64))
    message_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inbox:
    def __init__(self, session: AsyncSession, handlers: dict[str, Handler]) -> None:
        self.session = session
        self.handlers = handlers

    async def seen(self, sender: str, mid: str) -> bool:
        found = await self.session.scalar(
            select(InboxEntry.id).where(InboxEntry.sender == sender, InboxEntry.mid == mid)
        )
        return found is not None

    async def accept(
        self, message: wire.InboxMessage, *, hosted: Collection[str] | None = None
    ) -> bool:
        """Store and apply ``message``; False (and no effect) if it was already taken.
        ``OrgNotHosted`` (nothing stored) if it speaks for an org its sender does not host:
        the orgs its pinned node document lists, or ``hosted`` for this very node's own
        messages delivered in-process (``federation.local_delivery``), which has no peer row."""
        if await self.seen(message.iss, message.mid):
            return False
        if hosted is None:
            peer = await PeerRegistry(self.session).find(message.iss)
            hosted = peer.hosted_slugs if peer is not None else ()
        check_hosted(message, hosted)
        kind = str(type(message).__struct_config__.tag)
        self.session.add(
            InboxEntry(
                sender=message.iss,
                mid=message.mid,
                message_type=kind,
                payload={} if kind in FORGET_ON_RECEIPT else msgspec.to_builtins(message),
            )
        )
        # The unique (sender, mid) constraint settles a race between two workers.
        await self.session.flush()
        handler = self.handlers.get(kind)
        if handler is not None:
            await handler(self.session, message)
        return True
