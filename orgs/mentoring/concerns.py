"""Raising a concern: either party tells the scheme coordinator, confidentially, about conduct,
safeguarding or the relationship not working; the coordinator tracks it to resolution.

The other party never learns of it (404). States: open ──► in_progress ──► resolved, or
open ──► resolved.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.relationships import for_party
from orgs.people.members import Member
from orgs.repository import OrgRepository


class ConcernCategory(StrEnum):
    CONDUCT = "conduct"
    SAFEGUARDING = "safeguarding"
    NOT_WORKING = "not_working"
    OTHER = "other"


class ConcernState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


CONCERN_TRANSITIONS: dict[ConcernState, frozenset[ConcernState]] = {
    ConcernState.OPEN: frozenset({ConcernState.IN_PROGRESS, ConcernState.RESOLVED}),
    ConcernState.IN_PROGRESS: frozenset({ConcernState.RESOLVED}),
    ConcernState.RESOLVED: frozenset(),
}


class Concern(OrgOwned, Base):
    __tablename__ = "concerns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    raised_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    category: Mapped[ConcernCategory] = mapped_column(enum_column(ConcernCategory))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[ConcernState] = mapped_column(
        enum_column(ConcernState), default=ConcernState.OPEN
    )
    resolution: Mapped[str] = mapped_column(Text, default="")
    handled_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Concerns(OrgRepository[Concern]):
    model = Concern
    noun = "concern"


class ConcernIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    category: ConcernCategory
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=10000)]


class ConcernUpdateIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    state: ConcernState
    note: Annotated[str, msgspec.Meta(max_length=10000)] = ""


async def raise_concern(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: ConcernIn,
    now: datetime,
) -> Concern:
    rel, party = await for_party(session, member, relationship_id)
    concern = Concerns(session, rel.org_id).add(
        Concern(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            raised_by=member.id,
            category=data.category,
            text=data.text,
            state=ConcernState.OPEN,
            created_at=now,
            updated_at=now,
        )
    )
    AuditLog(session, rel.org_id).record(
        "concern", concern.id, "raise", ActorRef(member.id, party.value), to_state="open", at=now
    )
    await session.flush()
    return concern


async def my_concerns(session: AsyncSession, member: Member) -> Sequence[Concern]:
    return await Concerns(session, member.org_id).list(Concern.raised_by == member.id)


async def my_concern(session: AsyncSession, member: Member, concern_id: uuid.UUID) -> Concern:
    concern = await Concerns(session, member.org_id).get(concern_id)
    if concern.raised_by != member.id:
        raise NotFound("No such concern.")
    return concern


async def coordinator_list(session: AsyncSession, org_id: uuid.UUID) -> Sequence[Concern]:
    rows = await Concerns(session, org_id).list()
    return sorted(rows, key=lambda c: c.created_at)


async def update_concern(
    session: AsyncSession,
    org_id: uuid.UUID,
    concern_id: uuid.UUID,
    data: ConcernUpdateIn,
    who: ActorRef,
    now: datetime,
) -> Concern:
    concern = await Concerns(session, org_id).get(concern_id)
    if data.state not in CONCERN_TRANSITIONS[concern.state]:
        raise IllegalTransition(
            f"A concern that is {concern.state.value} cannot become {data.state.value}."
        )
    if data.state is ConcernState.RESOLVED and not data.note.strip():
        raise InvalidInput.on("note", "say how the concern was resolved")
    AuditLog(session, org_id).record(
        "concern",
        concern.id,
        "transition",
        who,
        from_state=concern.state,
        to_state=data.state,
        at=now,
    )
    concern.state = data.state
    if data.note:
        concern.resolution = data.note
    concern.handled_by = who.label[:200]
    concern.updated_at = now
    await session.flush()
    return concern
