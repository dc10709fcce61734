"""Check-ins: two short questions to both people of a relationship, recurring on the scheme's
setting (by default 30 days after it starts, then every 60), so a stalled or unhappy
relationship shows on the coordinator's health view (:mod:`orgs.mentoring.oversight`) before
the end evaluation. Answers are read by their respondent; the coordinator sees only the flags.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, utcnow
from orgs.errors import IllegalTransition, NotFound
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository

DEFAULT_FIRST_AFTER_DAYS = 30
DEFAULT_EVERY_DAYS = 60
#: A check-in left unanswered this long flags the relationship as stalled.
UNANSWERED_DAYS = 14
#: "How is it going?" at or below this flags it as unhappy (1 = badly, 5 = very well).
UNHAPPY_AT = 2
STALLED, UNHAPPY = "stalled", "unhappy"


class CheckinSettingsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    enabled: bool = True
    first_after_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = DEFAULT_FIRST_AFTER_DAYS
    every_days: Annotated[int, msgspec.Meta(ge=7, le=365)] = DEFAULT_EVERY_DAYS


class CheckinAnswerIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    going: Annotated[int, msgspec.Meta(ge=1, le=5)]
    meeting_regularly: bool


class CheckinSettings(OrgOwned, Base):
    __tablename__ = "checkin_settings"
    __table_args__ = (UniqueConstraint("scheme_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    enabled: Mapped[bool] = mapped_column(default=True)
    first_after_days: Mapped[int] = mapped_column(default=DEFAULT_FIRST_AFTER_DAYS)
    every_days: Mapped[int] = mapped_column(default=DEFAULT_EVERY_DAYS)


class Checkin(OrgOwned, Base):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("relationship_id", "respondent_id", "round"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    respondent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int]
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    going: Mapped[int | None] = mapped_column(default=None)
    meeting_regularly: Mapped[bool | None] = mapped_column(default=None)


class Checkins(OrgRepository[Checkin]):
    model = Checkin
    noun = "check-in"


class _Settings(OrgRepository[CheckinSettings]):
    model = CheckinSettings
    noun = "check-in settings"


async def checkin_settings(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> CheckinSettingsIn:
    row = await _Settings(session, org_id).find_one(CheckinSettings.scheme_id == scheme_id)
    if row is None:
        return CheckinSettingsIn()
    return CheckinSettingsIn(
        enabled=row.enabled, first_after_days=row.first_after_days, every_days=row.every_days
    )


async def set_checkin_settings(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, data: CheckinSettingsIn
) -> CheckinSettingsIn:
    repo = _Settings(session, org_id)
    row = await repo.find_one(CheckinSettings.scheme_id == scheme_id)
    if row is None:
        row = repo.add(CheckinSettings(scheme_id=scheme_id))
    row.enabled, row.first_after_days, row.every_days = (
        data.enabled,
        data.first_after_days,
        data.every_days,
    )
    await session.flush()
    return data


def round_due(started_at: datetime, now: datetime, settings: CheckinSettingsIn) -> int:
    """The latest round due at ``now``: 0 before the first, 1 at ``first_after_days``, then one
    more every ``every_days``."""
    first = started_at + timedelta(days=settings.first_after_days)
    if now < first:
        return 0
    return 1 + (now - first) // timedelta(days=settings.every_days)


async def open_due_checkins(session: AsyncSession, now: datetime) -> int:
    """For every relationship not ended (any org): the round due now, for each local party who
    has not had it; each is told. Missed rounds are not sent late: only the latest."""
    rels = (
        await session.scalars(
            select(Relationship).where(
                Relationship.state != RelationshipState.ENDED,
                Relationship.scheme_id.is_not(None),
            )
        )
    ).all()
    opened = 0
    for rel in rels:
        assert rel.scheme_id is not None
        settings = await checkin_settings(session, rel.org_id, rel.scheme_id)
        due = round_due(rel.started_at, now, settings) if settings.enabled else 0
        if due == 0:
            continue
        repo = Checkins(session, rel.org_id)
        for member_id in rel.local_party_ids:
            if await repo.find_one(
                Checkin.relationship_id == rel.id,
                Checkin.respondent_id == member_id,
                Checkin.round == due,
            ):
                continue
            row = repo.add(
                Checkin(
                    id=uuid.uuid4(),
                    relationship_id=rel.id,
                    respondent_id=member_id,
                    round=due,
                    due_at=now,
                )
            )
            opened += 1
            await notify(
                session,
                rel.org_id,
                member_id,
                NotificationKind.CHECKIN_DUE,
                "How is your mentoring going?",
                "Two quick questions about your mentoring relationship. Your coordinator sees "
                "only whether it may need help, never your answers.",
                now=now,
                link=f"/checkins/{row.id}",
            )
    await session.flush()
    return opened


async def my_checkins(session: AsyncSession, member: Member) -> Sequence[Checkin]:
    return await Checkins(session, member.org_id).list(
        Checkin.respondent_id == member.id, order_by=Checkin.due_at
    )


async def my_checkin(session: AsyncSession, member: Member, checkin_id: uuid.UUID) -> Checkin:
    """Only its respondent sees it: to anyone else it does not exist."""
    row = await Checkins(session, member.org_id).get(checkin_id)
    if row.respondent_id != member.id:
        raise NotFound("No such check-in.")
    return row


async def answer_checkin(
    session: AsyncSession,
    member: Member,
    checkin_id: uuid.UUID,
    data: CheckinAnswerIn,
    now: datetime | None = None,
) -> Checkin:
    row = await my_checkin(session, member, checkin_id)
    if row.answered_at is not None:
        raise IllegalTransition("This check-in was already answered.")
    row.going, row.meeting_regularly = data.going, data.meeting_regularly
    row.answered_at = now or utcnow()
    await session.flush()
    return row


def flags_of(rows: Iterable[Checkin], now: datetime) -> tuple[str, ...]:
    """One relationship's flags from its check-ins: each party's latest round counts (an old
    unanswered one no longer does once a later one is answered)."""
    latest: dict[uuid.UUID, Checkin] = {}
    for row in sorted(rows, key=lambda r: (r.round, r.due_at)):
        latest[row.respondent_id] = row
    flags: set[str] = set()
    for row in latest.values():
        if row.answered_at is None:
            if now - row.due_at > timedelta(days=UNANSWERED_DAYS):
                flags.add(STALLED)
            continue
        if row.going is not None and row.going <= UNHAPPY_AT:
            flags.add(UNHAPPY)
        if row.meeting_regularly is False:
            flags.add(STALLED)
    return tuple(sorted(flags))


async def checkin_flags(
    session: AsyncSession, org_id: uuid.UUID, relationship_ids: Iterable[uuid.UUID], now: datetime
) -> dict[uuid.UUID, tuple[str, ...]]:
    ids = list(relationship_ids)
    if not ids:
        return {}
    rows = await Checkins(session, org_id).list(Checkin.relationship_id.in_(ids))
    by_rel: dict[uuid.UUID, list[Checkin]] = {}
    for row in rows:
        by_rel.setdefault(row.relationship_id, []).append(row)
    return {i: flags_of(by_rel.get(i, []), now) for i in ids}
