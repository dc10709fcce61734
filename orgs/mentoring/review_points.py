"""Review points: when the two people agreed to review how their mentoring is going (HPMA's
principles: "we agree how and when we review our relationship"), usually at the first meeting.
Either party records one; the other is told; both are reminded a week before."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import InvalidInput
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Party, Relationship, for_party, require_live
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository

REMIND_AHEAD = timedelta(days=7)


class ReviewPointIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    on: date
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReviewPoint(OrgOwned, Base):
    __tablename__ = "review_points"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    on: Mapped[date]
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[Party] = mapped_column(enum_column(Party))
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewPoints(OrgRepository[ReviewPoint]):
    model = ReviewPoint
    noun = "review point"


async def add_review_point(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: ReviewPointIn,
    now: datetime | None = None,
) -> ReviewPoint:
    now = now or utcnow()
    rel, party = await for_party(session, member, relationship_id)
    require_live(rel)
    if data.on < now.date():
        raise InvalidInput.on("on", "a review point is today or later")
    point = ReviewPoints(session, member.org_id).add(
        ReviewPoint(relationship_id=rel.id, on=data.on, note=data.note, recorded_by=party)
    )
    await notify(
        session,
        rel.org_id,
        rel.other_party_id(party),
        NotificationKind.REVIEW_POINT,
        "A review point was agreed",
        f"You agreed to review how your mentoring is going on {data.on:%A %d %B %Y}.",
        now=now,
        link=f"/relationships/{rel.id}",
    )
    await session.flush()
    return point


async def review_points_of(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> Sequence[ReviewPoint]:
    rel, _ = await for_party(session, member, relationship_id)
    return await ReviewPoints(session, member.org_id).list(
        ReviewPoint.relationship_id == rel.id, order_by=ReviewPoint.on
    )


async def remind_review_points(session: AsyncSession, now: datetime) -> int:
    """Remind both people of a review point a week ahead, once (any org)."""
    rows = (
        await session.execute(
            select(ReviewPoint, Relationship)
            .join(Relationship, Relationship.id == ReviewPoint.relationship_id)
            .where(
                Relationship.state != RelationshipState.ENDED,
                ReviewPoint.reminded_at.is_(None),
                ReviewPoint.on >= now.date(),
                ReviewPoint.on <= (now + REMIND_AHEAD).date(),
            )
        )
    ).all()
    for point, rel in rows:
        point.reminded_at = now
        for member_id in rel.local_party_ids:
            await notify(
                session,
                rel.org_id,
                member_id,
                NotificationKind.REVIEW_POINT,
                "Your mentoring review is coming up",
                f"You agreed to review how your mentoring is going on {point.on:%A %d %B}."
                + (f" {point.note}" if point.note else ""),
                now=now,
                link=f"/relationships/{rel.id}",
            )
    await session.flush()
    return len(rows)
