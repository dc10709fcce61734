"""Notifications: an in-app list for each member, and email through a transactional outbox.

:func:`notify` writes the in-app notification and, for members who want emails at once, an
``email_outbox`` row, in the caller's transaction. Nothing is sent inside a request: a job
(:func:`queue_digests`, then :func:`send_due_emails`) sends what is due, with retries, through
a :class:`Mailer` that ``network`` provides (SMTP). Members choose ``immediate`` emails, a
``daily_digest``, or ``in_app_only``; a calendar invitation or cancellation is emailed at once
to everyone who gets emails (a calendar cannot wait a day for a digest).

A notification's ``link`` is the page it is about, given by the caller relative to the org's
pages (``/relationships/<id>``) and kept as a path on this node (``/orgs/<slug>/...``); the
email job makes it absolute with the node's public base URL (``orgs.people.emails``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Final, Protocol

import msgspec
from sqlalchemy import ForeignKey, Index, String, Text, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, JSONType, OrgOwned, enum_column, utcnow
from orgs.errors import NotFound
from orgs.models import Org
from orgs.people.emails import DigestItem, Outgoing, Sender, email_message
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.repository import OrgRepository

FIRST_RETRY: Final = timedelta(minutes=1)
MAX_BACKOFF: Final = timedelta(hours=1)
MAX_ATTEMPTS: Final = 10
DIGEST_EVERY: Final = timedelta(hours=24)


class Delivery(StrEnum):
    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"
    IN_APP_ONLY = "in_app_only"


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class NotificationKind(StrEnum):
    APPROVAL_NEEDED = "approval_needed"
    APPROVAL_DECIDED = "approval_decided"
    REQUEST_RECEIVED = "request_received"
    REQUEST_ACCEPTED = "request_accepted"
    REQUEST_DECLINED = "request_declined"
    REQUEST_EXPIRED = "request_expired"
    REQUEST_WITHDRAWN = "request_withdrawn"
    BACK_TO_MATCHING = "back_to_matching"
    MATCH_PROPOSED = "match_proposed"  # a coordinator proposed a mentor (a cohort run)
    AGREEMENT = "agreement"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEETING_CHANGED = "meeting_changed"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_REMINDER = "meeting_reminder"
    NO_RECENT_MEETING = "no_recent_meeting"
    END_APPROACHING = "end_approaching"
    RELATIONSHIP_ENDED = "relationship_ended"
    EVALUATION_DUE = "evaluation_due"
    SHADOWING = "shadowing"
    CONCERN = "concern"
    BUDGET = "budget"
    SHARED_RECORD = "shared_record"  # a change to a shared record was not made
    CHECKIN_DUE = "checkin_due"
    REVIEW_POINT = "review_point"
    FOLLOW_UP = "follow_up"
    PLACE_OFFERED = "place_offered"  # off a cohort's waiting list, onto its shortlist


class Notification(OrgOwned, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_org_id_member_id", "org_id", "member_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Waiting for this member's next daily digest.
    digest_pending: Mapped[bool] = mapped_column(default=False)


class NotificationPreference(OrgOwned, Base):
    __tablename__ = "notification_preferences"

    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery), default=Delivery.IMMEDIATE)
    last_digest_at: Mapped[datetime | None] = mapped_column(default=None)


class OutgoingEmail(OrgOwned, Base):
    """One email to send, written in the transaction of the change that causes it."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    #: The page it is about, a path on this node; made absolute when the email is sent.
    link: Mapped[str] = mapped_column(String(300), default="")
    #: A daily digest's entries: [{"subject", "text", "link"}].
    digest: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    #: An iCalendar object (iTIP REQUEST or CANCEL) sent with the email.
    calendar: Mapped[str] = mapped_column(Text, default="")
    #: Rendered HTML, written only by the release before emails were rendered at send time:
    #: kept (expand, then contract) so its workers run on this schema; drop it in the next.
    html: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus), default=EmailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Notifications(OrgRepository[Notification]):
    model = Notification
    noun = "notification"


class Preferences(OrgRepository[NotificationPreference]):
    model = NotificationPreference
    noun = "notification preference"


class Emails(OrgRepository[OutgoingEmail]):
    model = OutgoingEmail
    noun = "email"


class PreferenceIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    delivery: Delivery


async def preference_of(session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID) -> Delivery:
    row = await Preferences(session, org_id).find_one(NotificationPreference.member_id == member_id)
    return row.delivery if row is not None else Delivery.IMMEDIATE


async def set_preference(
    session: AsyncSession, member: Member, delivery: Delivery
) -> NotificationPreference:
    prefs = Preferences(session, member.org_id)
    row = await prefs.find_one(NotificationPreference.member_id == member.id)
    if row is None:
        row = prefs.add(NotificationPreference(member_id=member.id))
    row.delivery = delivery
    await session.flush()
    return row


async def notify(
    session: AsyncSession,
    org_id: uuid.UUID,
    member_id: uuid.UUID | None,
    kind: NotificationKind,
    subject: str,
    text: str,
    *,
    now: datetime | None = None,
    link: str = "",
    calendar: str = "",
) -> Notification | None:
    """Tell a member something: in the app always; by email now or in their next digest.

    ``link`` is the page it is about, relative to the org's pages (``/relationships/<id>``);
    ``calendar`` an iCalendar object to email with it. ``member_id`` None (a remote party) is
    a no-op: their own node tells them."""
    if member_id is None:
        return None
    now = now or utcnow()
    member = await MemberRepository(session, org_id).find_one(Member.id == member_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        return None
    delivery = await preference_of(session, org_id, member_id)
    at_once = delivery is Delivery.IMMEDIATE or (
        bool(calendar) and delivery is Delivery.DAILY_DIGEST
    )
    page = await page_link(session, org_id, link)
    note = Notifications(session, org_id).add(
        Notification(
            member_id=member_id,
            kind=kind,
            subject=subject[:200],
            text=text,
            link=page,
            created_at=now,
            digest_pending=not at_once and delivery is Delivery.DAILY_DIGEST and bool(member.email),
        )
    )
    if at_once and member.email:
        queue_email(session, org_id, member, subject, text, now, link=page, calendar=calendar)
    return note


async def page_link(session: AsyncSession, org_id: uuid.UUID, link: str) -> str:
    """``/relationships/<id>`` of an org → ``/orgs/<slug>/relationships/<id>`` on this node."""
    if not link:
        return ""
    org = await session.get(Org, org_id)
    return f"/orgs/{org.slug}{link}"[:300] if org is not None else ""


def queue_email(
    session: AsyncSession,
    org_id: uuid.UUID,
    member: Member,
    subject: str,
    text: str,
    now: datetime,
    *,
    link: str = "",
    digest: Sequence[DigestItem] = (),
    calendar: str = "",
) -> OutgoingEmail:
    """``link``: a path on this node (``/orgs/<slug>/...``), made absolute when sent."""
    return Emails(session, org_id).add(
        OutgoingEmail(
            member_id=member.id,
            to_address=member.email,
            subject=subject[:200],
            text=text,
            link=link[:300],
            digest=[{"subject": i.subject, "text": i.text, "link": i.link} for i in digest],
            calendar=calendar,
            created_at=now,
            next_attempt_at=now,
        )
    )


async def inbox(
    session: AsyncSession, member: Member, *, unread_only: bool = False
) -> Sequence[Notification]:
    where = [Notification.member_id == member.id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    rows = await Notifications(session, member.org_id).list(*where)
    return sorted(rows, key=lambda n: n.created_at, reverse=True)


async def mark_read(
    session: AsyncSession, member: Member, notification_id: uuid.UUID, now: datetime
) -> Notification:
    repo = Notifications(session, member.org_id)
    note = await repo.get(notification_id)
    if note.member_id != member.id:
        raise NotFound("No such notification.")
    if note.read_at is None:
        note.read_at = now
    await session.flush()
    return note


async def mark_all_read(session: AsyncSession, member: Member, now: datetime) -> int:
    """Mark every unread notification of ``member`` (and nobody else's) read; how many."""
    result = await session.execute(
        update(Notification)
        .where(
            Notification.org_id == member.org_id,
            Notification.member_id == member.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount if isinstance(result, CursorResult) else 0


# --- jobs ---------------------------------------------------------------------------------


async def queue_digests(session: AsyncSession, now: datetime) -> int:
    """One email per digest member whose last digest is a day old and who has news."""
    pending = (
        await session.scalars(
            select(Notification)
            .where(Notification.digest_pending.is_(True), Notification.created_at <= now)
            .order_by(Notification.created_at)
        )
    ).all()
    by_member: dict[tuple[uuid.UUID, uuid.UUID], list[Notification]] = {}
    for note in pending:
        by_member.setdefault((note.org_id, note.member_id), []).append(note)
    queued = 0
    for (org_id, member_id), notes in by_member.items():
        prefs = Preferences(session, org_id)
        pref = await prefs.find_one(NotificationPreference.member_id == member_id)
        if pref is not None and pref.last_digest_at and now - pref.last_digest_at < DIGEST_EVERY:
            continue
        member = await MemberRepository(session, org_id).find_one(Member.id == member_id)
        if member is None or not member.email:
            continue
        subject = f"MentorNet: your daily digest ({len(notes)} update{'s' * (len(notes) != 1)})"
        text = "\n\n".join(f"{n.subject}\n{n.text}" for n in notes)
        items = [DigestItem(n.subject, n.text, n.link) for n in notes]
        queue_email(session, org_id, member, subject, text, now, digest=items)
        for note in notes:
            note.digest_pending = False
        if pref is None:
            pref = prefs.add(NotificationPreference(member_id=member_id))
            pref.delivery = Delivery.DAILY_DIGEST
        pref.last_digest_at = now
        queued += 1
    await session.flush()
    return queued


class Mailer(Protocol):
    """Sends one message; raises on any failure. ``sender``: the node's sending address."""

    @property
    def sender(self) -> str: ...

    async def send(self, message: EmailMessage) -> None: ...


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def outgoing(row: OutgoingEmail) -> Outgoing:
    return Outgoing(
        id=row.id,
        to=row.to_address,
        subject=row.subject,
        text=row.text,
        link=row.link,
        digest=[DigestItem.from_json(i) for i in row.digest or ()],
        calendar=row.calendar,
    )


async def org_names(session: AsyncSession, org_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not org_ids:
        return {}
    rows = await session.execute(select(Org.id, Org.name).where(Org.id.in_(org_ids)))
    return {row.id: row.name for row in rows}


def email_backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 12)), MAX_BACKOFF)


async def send_due_emails(
    session: AsyncSession, now: datetime, mailer: Mailer, base_url: str, limit: int = 100
) -> SendReport:
    """Send what is due, with links made absolute from ``base_url`` (the node's public URL);
    a failure is retried with backoff, and given up after MAX_ATTEMPTS. Rows are locked (SKIP
    LOCKED on PostgreSQL) so that two workers never send one twice."""
    report = SendReport()
    rows = (
        await session.scalars(
            select(OutgoingEmail)
            .where(
                OutgoingEmail.status == EmailStatus.PENDING,
                OutgoingEmail.next_attempt_at <= now,
            )
            .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    names = await org_names(session, {row.org_id for row in rows})
    for row in rows:
        row.attempts += 1
        sender = Sender(names.get(row.org_id, "MentorNet"), mailer.sender, base_url)
        try:
            await mailer.send(email_message(outgoing(row), sender, now))
        except Exception as exc:  # any failure of the mail server: retry later
            row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            report.errors.append(row.last_error)
            if row.attempts >= MAX_ATTEMPTS:
                row.status = EmailStatus.DEAD
                report.dead += 1
            else:
                row.next_attempt_at = now + email_backoff(row.attempts)
                report.failed += 1
        else:
            row.status = EmailStatus.SENT
            row.sent_at = now
            row.last_error = ""
            report.sent += 1
    await session.flush()
    return report


async def purge_sent_emails(session: AsyncSession, before: datetime) -> int:
    """Empty emails sent before ``before``: once the mail server took one, its address and
    words are not needed here; the row keeps that it was sent, and when."""
    result = await session.execute(
        update(OutgoingEmail)
        .where(
            OutgoingEmail.status == EmailStatus.SENT,
            OutgoingEmail.sent_at < before,
            or_(OutgoingEmail.to_address != "", OutgoingEmail.text != ""),
        )
        .values(to_address="", subject="", text="", link="", digest=[], calendar="")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount if isinstance(result, CursorResult) else 0
