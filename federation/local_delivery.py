"""In-process delivery: a message this node queues for one of its own organisations is taken by
its own inbox, with no HTTP to itself, through the same path as a peer's.

The outbox row is written in the sender's transaction as for any peer. Once that transaction
commits, the row is delivered in a transaction of its own: locked (so a rival worker or the
delivery loop skips it), built as the wire message it would be on the network (``iss`` and
``aud`` this node, the row's ``mid``), taken by ``Inbox.accept`` with every check a peer's
message gets (tenancy against the orgs hosted here, the (sender, mid) dedup, the handler, the
audit), and marked delivered in the same commit: exactly once. A refusal (a domain or federation
error, what a peer would answer with a 4xx) backs the row off like a peer's refusal; any other
failure rolls back and leaves the row pending, so the delivery loop (:func:`deliver_due_here`)
tries it again. What the handler queues in turn (an acceptance's introduction and the shared
record) is delivered the same way when that transaction commits.

:func:`watch` hooks a session class: its sessions note the rows they flush for this node and
start their delivery on commit; :func:`settle` waits for it, so an HTTP request answers only
after its in-process messages were handled (a job or the CLI waits the same way).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from federation.errors import FederationError
from federation.inbox import Inbox
from federation.inbox_handlers import HANDLERS
from federation.outbox import Outbox, OutboxMessage, OutboxStatus, build_attempt
from federation.this_node import hosted_here, is_here
from federation.trust import normalise_node_id
from orgs.db import utcnow
from orgs.errors import DomainError

#: ``Session.info`` keys: the mids flushed for this node, and the deliveries started on commit.
QUEUED: Final = "mentornet.local_queued"
STARTED: Final = "mentornet.local_started"
_RUNNING: Final[set[asyncio.Task[int]]] = set()
log = logging.getLogger("mentornet.federation.local_delivery")


async def deliver_one(sessions: async_sessionmaker[AsyncSession], me: str, mid: str) -> bool:
    """Deliver the pending row ``mid`` in-process; whether it was taken now. A row already
    delivered, locked by a rival, or never committed is left alone."""
    async with sessions() as session:
        async with session.begin():
            row = await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.mid == mid, OutboxMessage.status == OutboxStatus.PENDING)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return False
            now = utcnow()
            outbox = Outbox(session)
            try:
                async with session.begin_nested():
                    message = build_attempt(row, me=me, now=int(now.timestamp()))
                    hosted = await hosted_here(session)
                    await Inbox(session, HANDLERS).accept(message, hosted=hosted)
            except (DomainError, FederationError) as exc:
                # What a peer answers with a 4xx: this message alone backs off.
                await outbox.refused(row, now, f"refused in-process: {exc.code}: {exc}"[:1000])
                taken = False
            else:
                await outbox.delivered(row, now)
                taken = True
        await settle(session)  # what handling it queued for this node in turn
    return taken


async def deliver_all(
    sessions: async_sessionmaker[AsyncSession], me: str, mids: Sequence[str]
) -> int:
    """Deliver ``mids`` in the order they were queued; how many were taken."""
    taken = 0
    for mid in mids:
        taken += await deliver_one(sessions, me, mid)
    return taken


async def deliver_due_here(
    sessions: async_sessionmaker[AsyncSession], me: str, now: datetime, limit: int = 100
) -> int:
    """The delivery loop's share: rows for this node still pending and due (a delivery that
    failed, or whose process stopped before it ran), oldest first."""
    async with sessions() as session:
        mids = await session.scalars(
            select(OutboxMessage.mid)
            .where(
                OutboxMessage.peer.in_({me, normalise_node_id(me)}),
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        )
        due = list(mids.all())
    return await deliver_all(sessions, me, due)


async def _in_background(
    sessions: async_sessionmaker[AsyncSession], me: str, mids: Sequence[str]
) -> int:
    """A delivery started on commit never fails the work that committed: what it could not
    deliver stays pending for the delivery loop."""
    try:
        return await deliver_all(sessions, me, mids)
    except BaseException:
        log.exception("local_delivery_failed")
        return 0


async def wait_running() -> None:
    """Wait for every in-process delivery this process started (a job's, a test's): what a
    caller that did not keep its session, or a process about to stop, waits on."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING))


async def settle(session: AsyncSession) -> None:
    """Wait for the in-process deliveries ``session``'s commits started."""
    started: list[asyncio.Task[int]] = session.info.pop(STARTED, [])
    if started:
        # Shielded: a waiter that is cancelled (a client gone, a request ended) must not cancel
        # a delivery midway; it finishes on its own, held in ``_RUNNING``.
        await asyncio.shield(asyncio.gather(*started))


def watch(
    session_class: type[Session], sessions: async_sessionmaker[AsyncSession], me: str
) -> None:
    """Deliver in-process what sessions of ``session_class`` queue for this node, once each of
    their transactions commits."""

    @event.listens_for(session_class, "after_flush")
    def _noted(session: Session, _context: Any) -> None:
        for obj in session.new:
            if isinstance(obj, OutboxMessage) and is_here(obj.peer, me):
                session.info.setdefault(QUEUED, []).append(obj.mid)

    # No listener on rollback: a mid noted for a row that was rolled back (a savepoint, or the
    # whole transaction) finds no pending row and is skipped, and one noted before a savepoint
    # that rolled back is still delivered.

    @event.listens_for(session_class, "after_commit")
    def _committed(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released: nothing is committed until the outermost commits
        mids = session.info.pop(QUEUED, None)
        if mids:
            task = asyncio.get_running_loop().create_task(_in_background(sessions, me, mids))
            # The loop keeps only a weak reference: held here until done, whoever settles it.
            _RUNNING.add(task)
            task.add_done_callback(_RUNNING.discard)
            session.info.setdefault(STARTED, []).append(task)
