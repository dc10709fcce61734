"""How long message bodies are kept: only while they are needed, so there is less to erase.

An inbox payload has done its work when its handler ran (in the transaction that stored it);
a delivered outbox body once the peer answered 202. Both are kept a while for an operator
looking into a problem, then emptied (``{}``) by the jobs loop. The rows stay: the inbox row
is the (sender, ``mid``) record that keeps a late retry from taking effect twice, and the
outbox row the history of what was sent when. Pending messages and dead letters keep their
bodies until they are delivered (a dead letter until an admin replays it); erasure redacts
them meanwhile (``federation.erasure``). Sent notification emails go the same way
(``orgs.people.notifications.purge_sent_emails``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from federation.inbox import InboxEntry
from federation.outbox import OutboxMessage, OutboxStatus
from orgs.people.notifications import purge_sent_emails


@dataclass(frozen=True)
class Purged:
    inbox: int
    outbox: int
    emails: int


def _count(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


async def purge_bodies(session: AsyncSession, now: datetime, keep: timedelta) -> Purged:
    """Empty the bodies of messages processed or delivered before ``now - keep``."""
    before = now - keep
    inbox = await session.execute(
        update(InboxEntry)
        .where(InboxEntry.received_at < before, cast(InboxEntry.payload, Text) != "{}")
        .values(payload={})
        .execution_options(synchronize_session=False)
    )
    outbox = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.DELIVERED,
            OutboxMessage.delivered_at < before,
            cast(OutboxMessage.body, Text) != "{}",
        )
        .values(body={})
        .execution_options(synchronize_session=False)
    )
    emails = await purge_sent_emails(session, before)
    return Purged(_count(inbox), _count(outbox), emails)
