"""Message bodies are kept only while needed: the jobs pass empties processed inbox payloads,
delivered outbox bodies and sent emails once they are older than the retention setting, and
keeps what is still to be sent (pending, dead letters) and the inbox's idempotency record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from msgspec.structs import replace
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation import wire
from federation.inbox import Inbox, InboxEntry
from federation.inbox_handlers import HANDLERS
from federation.outbox import Outbox, OutboxMessage, OutboxStatus
from federation.signing import new_jti
from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once
from orgs.people.notifications import EmailStatus, OutgoingEmail
from orgs.registry import OrgRegistry
from tests.nodes import handle

PEER = "http://127.0.0.1:9"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def revoke(mid: str) -> wire.CardRevoke:
    return wire.CardRevoke(
        iss=PEER, aud="http://127.0.0.1:8000", iat=0, exp=60, jti=new_jti(), mid=mid,
        handles=(handle(),),
    )  # fmt: skip


async def received(db: AsyncSession, at: datetime) -> str:
    mid = new_jti()
    assert await Inbox(db, HANDLERS).accept(revoke(mid))
    entry = await db.scalar(select(InboxEntry).where(InboxEntry.mid == mid))
    assert entry is not None
    entry.received_at = at
    return mid


async def queued(db: AsyncSession, status: OutboxStatus, at: datetime) -> OutboxMessage:
    outbox = Outbox(db)
    row = outbox.enqueue(PEER, "card.revoke", {"handles": [handle()]})
    row.created_at = at
    await db.flush()  # the row as stored, with its defaults
    if status is OutboxStatus.DELIVERED:
        await outbox.delivered(row, at)
    elif status is OutboxStatus.DEAD:
        outbox.undeliverable(row, at, "the peer refused it")
    return row


async def email(db: AsyncSession, status: EmailStatus, at: datetime) -> OutgoingEmail:
    org = await OrgRegistry(db).create(f"o{uuid.uuid4().hex[:8]}", "An org")
    row = OutgoingEmail(
        org_id=org.id,
        to_address="rosa.doyle@brent.example",
        subject="Your mentoring request was accepted",
        text="Rosa Doyle, your mentor has agreed.",
        link="/orgs/brent/requests",
        calendar="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        status=status,
        created_at=at,
        sent_at=at if status is EmailStatus.SENT else None,
    )
    db.add(row)
    return row


async def test_the_jobs_pass_empties_bodies_past_retention_and_keeps_what_is_still_needed(
    db: AsyncSession, engine: AsyncEngine, settings: Settings
) -> None:
    old_mid = await received(db, START)
    new_mid = await received(db, START + 20 * DAY)
    delivered_old = await queued(db, OutboxStatus.DELIVERED, START)
    delivered_new = await queued(db, OutboxStatus.DELIVERED, START + 20 * DAY)
    pending = await queued(db, OutboxStatus.PENDING, START)
    dead = await queued(db, OutboxStatus.DEAD, START)
    sent = await email(db, EmailStatus.SENT, START)
    unsent = await email(db, EmailStatus.PENDING, START)
    await db.commit()
    sessions = create_sessionmaker(engine)
    week = replace(settings, message_retention_days=7)

    # Day 6: nothing is old enough yet.
    report = await run_once(sessions, week, START + 6 * DAY)
    assert (report.purged.inbox, report.purged.outbox, report.purged.emails) == (0, 0, 0)

    # Day 8: the first of each is past a week; the ones from day 20 are not.
    report = await run_once(sessions, week, START + 8 * DAY)
    assert (report.purged.inbox, report.purged.outbox, report.purged.emails) == (1, 1, 1)
    db.expire_all()
    rows = await db.execute(select(InboxEntry.mid, InboxEntry.payload))
    payloads: dict[str, dict[str, Any]] = dict(rows.all())
    assert payloads[old_mid] == {}
    assert payloads[new_mid]["mid"] == new_mid
    bodies = {row.id: row.body for row in (await db.scalars(select(OutboxMessage))).all()}
    assert bodies[delivered_old.id] == {}
    assert bodies[delivered_new.id] != {}
    # Still to be sent: a pending message and a dead letter (until an admin replays it).
    assert bodies[pending.id] != {}
    assert bodies[dead.id] != {}
    emails = {row.id: row for row in (await db.scalars(select(OutgoingEmail))).all()}
    kept = emails[sent.id]
    assert (kept.to_address, kept.text, kept.link, kept.calendar) == ("", "", "", "")
    assert emails[sent.id].status is EmailStatus.SENT
    assert emails[unsent.id].to_address == "rosa.doyle@brent.example"
    # The emptied inbox row still answers a late retry of the same mid as a duplicate.
    assert await Inbox(db, HANDLERS).accept(revoke(old_mid)) is False

    # A second pass the same day has nothing left to do; day 28 takes the rest.
    again = await run_once(sessions, week, START + 8 * DAY)
    assert (again.purged.inbox, again.purged.outbox, again.purged.emails) == (0, 0, 0)
    later = await run_once(sessions, week, START + 28 * DAY)
    assert (later.purged.inbox, later.purged.outbox) == (1, 1)
