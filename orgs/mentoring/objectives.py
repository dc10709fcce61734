"""Objectives and action plans (Nottingham City Homes: "identify objectives and outcomes;
develop plans, tasks and priorities for actions"). Shared by both parties of a relationship;
coordinators see none of it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import NotFound
from orgs.mentoring.relationships import for_party, require_live
from orgs.people.members import Member
from orgs.repository import OrgRepository


class ObjectiveStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class Objective(OrgOwned, Base):
    __tablename__ = "mentoring_objectives"
    __table_args__ = (Index("ix_mentoring_objectives_org_id_rel", "org_id", "relationship_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(300))
    expected_outcome: Mapped[str] = mapped_column(Text, default="")
    #: The action plan: [{"text": ..., "due_on": "YYYY-MM-DD" | null, "done": bool}]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    status: Mapped[ObjectiveStatus] = mapped_column(
        enum_column(ObjectiveStatus), default=ObjectiveStatus.OPEN
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The item's id on both sides of a cross-organisation relationship.
    shared_ref: Mapped[str | None] = mapped_column(
        String(32), default=lambda: uuid.uuid4().hex, index=True
    )


class Objectives(OrgRepository[Objective]):
    model = Objective
    noun = "objective"


class ActionItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    due_on: date | None = None
    done: bool = False


class ObjectiveIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    expected_outcome: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    actions: Annotated[list[ActionItem], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )
    status: ObjectiveStatus = ObjectiveStatus.OPEN


async def objectives_of(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> Sequence[Objective]:
    rel, _ = await for_party(session, member, relationship_id)
    rows = await Objectives(session, rel.org_id).list(Objective.relationship_id == rel.id)
    return sorted(rows, key=lambda o: o.updated_at)


async def save_objective(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: ObjectiveIn,
    now: datetime,
    objective_id: uuid.UUID | None = None,
) -> Objective:
    rel, _ = await for_party(session, member, relationship_id)
    require_live(rel)
    repo = Objectives(session, rel.org_id)
    if objective_id is None:
        row = repo.add(Objective(id=uuid.uuid4(), relationship_id=rel.id, created_by=member.id))
    else:
        row = await repo.get(objective_id)
        if row.relationship_id != rel.id:
            raise NotFound("No such objective.")
    row.title = data.title
    row.expected_outcome = data.expected_outcome
    row.actions = msgspec.to_builtins(data.actions)
    row.status = data.status
    row.updated_at = now
    await session.flush()
    return row
