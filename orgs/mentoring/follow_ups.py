"""Outcomes over time (issue 19 item 5): some months after a relationship ends (per scheme, by
default six), its mentee is asked what has happened since: a promotion, acting up, a new role,
an application for a management post. The answers are counted with the outcomes a coordinator
records (:mod:`orgs.mentoring.later_outcomes`), by nobody read one by one; the mentee may
decline, and erasure deletes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, JSONType, OrgOwned, utcnow
from orgs.errors import IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.evaluations import OutcomeKind
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository
from orgs.schemes.schemes import add_months

DEFAULT_MONTHS_AFTER = 6
MIN_MONTHS, MAX_MONTHS = 1, 36
#: What the questionnaire asks; becoming a mentor is seen, not asked (``later_outcomes``).
ASKED = (
    OutcomeKind.PROMOTION,
    OutcomeKind.ACTING_UP,
    OutcomeKind.NEW_ROLE,
    OutcomeKind.APPLIED_FOR_MANAGEMENT,
)
#: A follow-up is not sent for a relationship that ended longer ago than this many months
#: beyond its due date (a scheme that turns follow-ups on does not mail years of old pairs).
LATEST_MONTHS = 6


class FollowUpSettingsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    enabled: bool = True
    months_after: Annotated[int, msgspec.Meta(ge=MIN_MONTHS, le=MAX_MONTHS)] = DEFAULT_MONTHS_AFTER


class FollowUpAnswersIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Each outcome that happened since the relationship ended, and when (a date)."""

    happened: dict[OutcomeKind, date]


class FollowUpSettings(OrgOwned, Base):
    __tablename__ = "follow_up_settings"
    __table_args__ = (UniqueConstraint("scheme_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    enabled: Mapped[bool] = mapped_column(default=True)
    months_after: Mapped[int] = mapped_column(default=DEFAULT_MONTHS_AFTER)


class FollowUp(OrgOwned, Base):
    """One mentee's follow-up questionnaire for one ended relationship, and the answer."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("relationship_id", "respondent_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schemes.id", ondelete="SET NULL"), default=None, index=True
    )
    respondent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    declined_at: Mapped[datetime | None] = mapped_column(default=None)
    #: {outcome kind: ISO date} for what happened; empty when nothing did or declined.
    happened: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)


class FollowUps(OrgRepository[FollowUp]):
    model = FollowUp
    noun = "follow-up"


class _Settings(OrgRepository[FollowUpSettings]):
    model = FollowUpSettings
    noun = "follow-up settings"


async def follow_up_settings(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> FollowUpSettingsIn:
    row = await _Settings(session, org_id).find_one(FollowUpSettings.scheme_id == scheme_id)
    if row is None:
        return FollowUpSettingsIn()
    return FollowUpSettingsIn(enabled=row.enabled, months_after=row.months_after)


async def set_follow_up_settings(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, data: FollowUpSettingsIn
) -> FollowUpSettingsIn:
    repo = _Settings(session, org_id)
    row = await repo.find_one(FollowUpSettings.scheme_id == scheme_id)
    if row is None:
        row = repo.add(FollowUpSettings(scheme_id=scheme_id))
    row.enabled, row.months_after = data.enabled, data.months_after
    await session.flush()
    return data


def due_at(ended_at: datetime, months_after: int) -> datetime:
    """``months_after`` calendar months after the end, at the same time of day."""
    day = add_months(ended_at.date(), months_after)
    return datetime.combine(day, ended_at.timetz())


async def open_due_follow_ups(session: AsyncSession, now: datetime) -> int:
    """For every ended relationship of a scheme with a mentee on this node (any org): its
    follow-up once it is due, with a notification (and an email) that links to the page."""
    done = select(FollowUp.relationship_id)
    # Only ends that some setting could make due now: at least the shortest delay ago, and not
    # beyond the longest delay and the window (a month is 28 to 31 days).
    rels = (
        await session.scalars(
            select(Relationship).where(
                Relationship.state == RelationshipState.ENDED,
                Relationship.scheme_id.is_not(None),
                Relationship.mentee_id.is_not(None),
                Relationship.ended_at <= now - timedelta(days=28 * MIN_MONTHS),
                Relationship.ended_at >= now - timedelta(days=31 * (MAX_MONTHS + LATEST_MONTHS)),
                Relationship.id.not_in(done),
            )
        )
    ).all()
    opened = 0
    settings_of: dict[uuid.UUID, FollowUpSettingsIn] = {}
    for rel in rels:
        assert rel.scheme_id is not None
        assert rel.mentee_id is not None
        assert rel.ended_at is not None
        if rel.scheme_id not in settings_of:
            settings_of[rel.scheme_id] = await follow_up_settings(
                session, rel.org_id, rel.scheme_id
            )
        settings = settings_of[rel.scheme_id]
        due = due_at(rel.ended_at, settings.months_after)
        if not settings.enabled or now < due or now > due_at(due, LATEST_MONTHS):
            continue
        row = FollowUps(session, rel.org_id).add(
            FollowUp(
                relationship_id=rel.id,
                scheme_id=rel.scheme_id,
                respondent_id=rel.mentee_id,
                due_at=now,
            )
        )
        await session.flush()
        opened += 1
        await notify(
            session,
            rel.org_id,
            rel.mentee_id,
            NotificationKind.FOLLOW_UP,
            "What has happened since your mentoring?",
            f"Your mentoring relationship ended {settings.months_after} months ago. Four quick "
            "questions: has your career moved on since? The scheme counts the answers; nobody "
            "reads yours. You can say no thanks.",
            now=now,
            link=f"/follow-ups/{row.id}",
        )
    await session.flush()
    return opened


async def my_follow_up(session: AsyncSession, member: Member, follow_up_id: uuid.UUID) -> FollowUp:
    """Only its respondent sees it: to anyone else it does not exist."""
    row = await FollowUps(session, member.org_id).get(follow_up_id)
    if row.respondent_id != member.id:
        raise NotFound("No such follow-up.")
    return row


async def my_follow_ups(session: AsyncSession, member: Member) -> Sequence[FollowUp]:
    return await FollowUps(session, member.org_id).list(
        FollowUp.respondent_id == member.id, order_by=FollowUp.due_at
    )


def _open(row: FollowUp) -> None:
    if row.answered_at is not None:
        raise IllegalTransition("This follow-up was already answered.")
    if row.declined_at is not None:
        raise IllegalTransition("You said no thanks to this follow-up.")


async def answer_follow_up(
    session: AsyncSession,
    member: Member,
    follow_up_id: uuid.UUID,
    data: FollowUpAnswersIn,
    now: datetime | None = None,
) -> FollowUp:
    row = await my_follow_up(session, member, follow_up_id)
    _open(row)
    now = now or utcnow()
    rel = await session.get(Relationship, row.relationship_id)
    since = rel.ended_at.date() if rel is not None and rel.ended_at is not None else None
    for kind, on in data.happened.items():
        if kind not in ASKED:
            raise InvalidInput.on(f"happened.{kind.value}", "this is not asked")
        if on > now.date():
            raise InvalidInput.on(f"happened.{kind.value}", "a date in the future")
        if since is not None and on < since:
            raise InvalidInput.on(f"happened.{kind.value}", "before your mentoring ended")
    row.happened = {k.value: v.isoformat() for k, v in data.happened.items()}
    row.answered_at = now
    await session.flush()
    return row


async def decline_follow_up(
    session: AsyncSession, member: Member, follow_up_id: uuid.UUID, now: datetime | None = None
) -> FollowUp:
    row = await my_follow_up(session, member, follow_up_id)
    _open(row)
    row.declined_at = now or utcnow()
    row.happened = {}
    await session.flush()
    return row


async def forget_follow_ups(session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """Erasure: the member's follow-ups and their answers go (counts drop with them)."""
    await session.execute(
        delete(FollowUp).where(FollowUp.org_id == org_id, FollowUp.respondent_id == member_id)
    )


def answered_on(row: FollowUp) -> dict[OutcomeKind, date]:
    return {OutcomeKind(k): date.fromisoformat(v) for k, v in row.happened.items()}
