"""The transactional outbox: messages to peers, written in the same transaction as the state
change that causes them, and delivered later with retries that lose nothing.

Each message keeps its ``mid`` across attempts (the receiver's idempotency key); every attempt
is signed afresh (new ``jti``, ``iat``, ``exp``). Per peer: exponential backoff capped at an
hour, and a circuit breaker that stops hammering a peer that is down. A message still failing
after ``DEAD_AFTER`` goes to the dead-letter list, where an admin can see and replay it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import msgspec
from sqlalchemy import Index, String, Text, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation import trace_context, wire
from federation.signing import new_jti
from orgs.db import Base, enum_column, utcnow
from orgs.errors import FieldError, IllegalTransition, InvalidInput, NotFound

FIRST_RETRY: Final = timedelta(seconds=5)
MAX_BACKOFF: Final = timedelta(hours=1)
DEAD_AFTER: Final = timedelta(hours=48)  # "retries for at least 24 hours", with room to spare
BREAKER_THRESHOLD: Final = 5  # consecutive failed attempts before a peer's breaker opens
#: The longest a breaker stays open: a peer that is back is probed, and gets its queue, within
#: a minute (this plus the delivery loop's few seconds).
BREAKER_MAX_WINDOW: Final = timedelta(seconds=45)
ATTEMPT_LIFETIME: Final = 120  # seconds a signed attempt stays valid (≤ 300 by protocol)
#: Bodies not kept once the peer has them: an erasure notice must not become a lasting record
#: of whom it was about.
#: A shared relationship record (or a change to it) lives in the module tables of both nodes;
#: a copy here would outlive what its author changed, unshared or erased since.
FORGET_ON_DELIVERY: Final = frozenset(
    {"member.erase", "relationship.record", "relationship.change"}
)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class OutboxMessage(Base):
    __tablename__ = "federation_outbox"
    __table_args__ = (
        Index("ix_federation_outbox_due", "status", "next_attempt_at"),
        Index("ix_federation_outbox_peer_queue", "peer", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mid: Mapped[str] = mapped_column(String(64), unique=True)
    peer: Mapped[str] = mapped_column(String(500), index=True)
    message_type: Mapped[str] = mapped_column(String(40))
    #: The message's own fields (no envelope claims): re-signed at every attempt.
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class PeerDelivery(Base):
    """Per-peer delivery health: consecutive failures and the circuit breaker."""

    __tablename__ = "federation_peer_delivery"

    peer: Mapped[str] = mapped_column(String(500), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    open_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")


def backoff(attempts: int, mid: str) -> timedelta:
    """Delay before attempt ``attempts + 1``: doubling from 5 s, capped at an hour, with a
    deterministic ±20 % spread per message so retries after an outage do not arrive at once."""
    base = min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), MAX_BACKOFF)
    spread = int.from_bytes(hashlib.sha256(mid.encode()).digest()[:2], "big") / 65535
    return min(base * (0.8 + 0.4 * spread), MAX_BACKOFF)


def breaker_window(failures: int, peer: str) -> timedelta:
    """How long the breaker of ``peer`` stays open after its ``failures``-th failed attempt in
    a row: doubling from 5 s once ``BREAKER_THRESHOLD`` is reached, capped."""
    return min(backoff(failures - BREAKER_THRESHOLD + 1, peer), BREAKER_MAX_WINDOW)


_ENVELOPE = {"type", "v", "iss", "aud", "iat", "exp", "jti", "mid"}
_TYPES: dict[str, type[wire.InboxMessage]] = {
    str(t.__struct_config__.tag): t for t in wire.MESSAGE_TYPES
}


def message_body(message: wire.InboxMessage) -> dict[str, Any]:
    """The fields of ``message`` that stay the same across attempts."""
    return {k: v for k, v in msgspec.to_builtins(message).items() if k not in _ENVELOPE}


# Placeholders for the envelope claims, so a body can be checked against its wire type before
# it is queued (the real claims are stamped at each attempt).
_PLACEHOLDER_NODE: Final = "https://enqueue.invalid"


def typed_body(peer: str, message_type: str, body: dict[str, Any]) -> wire.InboxMessage:
    """``body`` as the wire message it will become, or ``InvalidInput`` naming the field: a body
    that cannot be sent must fail the action that builds it, not the delivery of every other
    message later."""
    kind = _TYPES.get(message_type)
    if kind is None:
        raise InvalidInput.on("type", f"unknown message type {message_type!r}")
    envelope = {"iss": _PLACEHOLDER_NODE, "aud": peer, "iat": 0, "exp": 0}
    try:
        return msgspec.convert(
            {**body, **envelope, "jti": "x" * 22, "mid": "x" * 22}, kind, strict=True
        )
    except msgspec.ValidationError as error:
        # msgspec says "Expected ... - at `$.mentor.work_email`": name the field at fault.
        problem, _, where = str(error).partition(" - at `$")
        field = where.rstrip("`").lstrip(".") or "body"
        raise InvalidInput(
            f"This cannot be sent to {peer}: {field}: {problem}", (FieldError(field, problem),)
        ) from None


def build_attempt(row: OutboxMessage, *, me: str, now: int) -> wire.InboxMessage:
    """A freshly stamped message for one delivery attempt (sign it with the active key)."""
    kind = _TYPES[row.message_type]
    fields = {k: v for k, v in row.body.items() if k != trace_context.OUTBOX_KEY}
    return msgspec.convert(
        {
            **fields,
            "iss": me,
            "aud": row.peer,
            "iat": now,
            "exp": now + ATTEMPT_LIFETIME,
            "jti": new_jti(),
            "mid": row.mid,
        },
        kind,
    )


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def enqueue(self, peer: str, message_type: str, body: dict[str, Any]) -> OutboxMessage:
        """Queue a message in the caller's transaction; nothing is sent until it commits. The
        body is checked against its wire type here (``InvalidInput`` if it could never be sent)
        and stored as that type encodes it."""
        message = typed_body(peer, message_type, body)
        stored = message_body(message)
        trace = trace_context.current.get()
        if trace is not None:  # the peer's logs continue the trace of the work that queued it
            stored[trace_context.OUTBOX_KEY] = trace.traceparent
        row = OutboxMessage(mid=new_jti(), peer=peer, message_type=message_type, body=stored)
        self.session.add(row)
        return row

    def _due(self, now: datetime) -> Any:
        open_peers = select(PeerDelivery.peer).where(PeerDelivery.open_until > now)
        return (
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.peer.not_in(open_peers),
        )

    async def due_peers(self, now: datetime) -> Sequence[str]:
        """The peers with a message due and a closed breaker, longest waiting first: each gets
        its turn in a pass, so one peer's backlog never holds up another's."""
        query = (
            select(OutboxMessage.peer)
            .where(*self._due(now))
            .group_by(OutboxMessage.peer)
            .order_by(func.min(OutboxMessage.created_at))
        )
        return (await self.session.scalars(query)).all()

    async def due_for(self, peer: str, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        """``peer``'s next due messages, in the order they were queued. Locked (SKIP LOCKED on
        PostgreSQL) so that several workers never send the same one; :meth:`claim` keeps each
        peer's order across workers."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.peer == peer, *self._due(now))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(query)).all()

    async def claim(self, peer: str) -> bool:
        """Whether this transaction may deliver to ``peer`` now: one worker per peer at a time
        (a PostgreSQL advisory lock, held until commit), so its messages go in order and a
        probe is one attempt, not one per worker. SQLite (the one-process demo) has no
        rival."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        locked = await self.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"mentornet:outbox:{peer}"},
        )
        return bool(locked)

    async def _peer(self, peer: str) -> PeerDelivery:
        health = await self.session.get(PeerDelivery, peer)
        if health is None:
            health = PeerDelivery(peer=peer, consecutive_failures=0, last_error="")
            self.session.add(health)
        return health

    async def delivered(self, row: OutboxMessage, now: datetime) -> None:
        if row.message_type in FORGET_ON_DELIVERY:
            row.body = {}
        row.status = OutboxStatus.DELIVERED
        row.delivered_at = now
        row.attempts += 1
        row.last_error = ""
        health = await self._peer(row.peer)
        health.consecutive_failures = 0
        health.open_until = None

    def _attempt_failed(self, row: OutboxMessage, now: datetime, error: str) -> bool:
        """Count a failed attempt on ``row``; whether it is now a dead letter."""
        row.attempts += 1
        row.last_error = error[:1000]
        if now - row.created_at >= DEAD_AFTER:
            row.status = OutboxStatus.DEAD
            return True
        return False

    async def unreachable(
        self, row: OutboxMessage, now: datetime, error: str, waiting: Sequence[OutboxMessage]
    ) -> None:
        """The attempt on ``row`` found the peer down (no answer, or a 5xx): one failed attempt
        on the peer, whatever its queue. ``row`` stays first in the queue (its next attempt is
        the breaker's probe); the ``waiting`` messages behind it were not tried, and those past
        the retry window become dead letters with the peer's error."""
        self._attempt_failed(row, now, error)
        for later in waiting:
            if now - later.created_at >= DEAD_AFTER:
                later.status = OutboxStatus.DEAD
                later.last_error = f"not sent: the peer was unreachable ({error})"[:1000]
        health = await self._peer(row.peer)
        health.consecutive_failures += 1
        health.last_error = row.last_error
        if health.consecutive_failures >= BREAKER_THRESHOLD:
            health.open_until = now + breaker_window(health.consecutive_failures, row.peer)

    async def refused(self, row: OutboxMessage, now: datetime, error: str) -> None:
        """The peer answered and refused this message (a 4xx): the peer is up, so its breaker
        closes, and the message alone backs off (a message refused as it is cannot keep its
        place without holding up every later one)."""
        if not self._attempt_failed(row, now, error):
            row.next_attempt_at = now + backoff(row.attempts, row.mid)
        health = await self._peer(row.peer)
        health.consecutive_failures = 0
        health.open_until = None
        health.last_error = row.last_error

    def undeliverable(self, row: OutboxMessage, now: datetime, error: str) -> None:
        """A row that can never be sent (its body no longer builds a valid message): a dead
        letter at once, without counting against the peer."""
        row.attempts += 1
        row.status = OutboxStatus.DEAD
        row.last_error = error[:1000]
        row.next_attempt_at = now

    async def list(self, status: OutboxStatus | None = None) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.created_at)
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        return (await self.session.scalars(query)).all()

    async def replay(self, message_id: uuid.UUID, now: datetime) -> OutboxMessage:
        """Give a dead letter another full retry window (same ``mid``: still exactly once)."""
        row = await self.session.get(OutboxMessage, message_id)
        if row is None:
            raise NotFound("No such outbox message.")
        if row.status is not OutboxStatus.DEAD:
            raise IllegalTransition(f"Only dead letters can be replayed; this one is {row.status}.")
        row.status = OutboxStatus.PENDING
        row.created_at = now
        row.next_attempt_at = now
        row.attempts = 0
        health = await self._peer(row.peer)
        health.open_until = None
        return row
