"""Shadowing (Nottingham City Homes): short periods observing an experienced practitioner,
one-off (a day with a director) or a series (sitting in on a run of meetings), with a host and
dates, agreed by the mentee's line manager because service delivery comes first.

States: proposed ──► agreed ──► completed; proposed ──► declined; proposed/agreed ──► cancelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.relationships import Relationships, for_party, require_live
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberRepository
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository


class ShadowingKind(StrEnum):
    ONE_OFF = "one_off"
    SERIES = "series"


class ShadowingState(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    DECLINED = "declined"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


SHADOWING_TRANSITIONS: dict[ShadowingState, frozenset[ShadowingState]] = {
    ShadowingState.PROPOSED: frozenset(
        {ShadowingState.AGREED, ShadowingState.DECLINED, ShadowingState.CANCELLED}
    ),
    ShadowingState.AGREED: frozenset({ShadowingState.COMPLETED, ShadowingState.CANCELLED}),
    ShadowingState.DECLINED: frozenset(),
    ShadowingState.COMPLETED: frozenset(),
    ShadowingState.CANCELLED: frozenset(),
}


class Shadowing(OrgOwned, Base):
    __tablename__ = "shadowing_placements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ShadowingKind] = mapped_column(enum_column(ShadowingKind))
    host_name: Mapped[str] = mapped_column(String(200))
    host_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    dates: Mapped[list[str]] = mapped_column(default=list)
    purpose: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ShadowingState] = mapped_column(
        enum_column(ShadowingState), default=ShadowingState.PROPOSED
    )
    line_manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    manager_reason: Mapped[str] = mapped_column(Text, default="")
    service_delivery_considered: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The item's id on both sides of a cross-organisation relationship.
    shared_ref: Mapped[str | None] = mapped_column(
        String(32), default=lambda: uuid.uuid4().hex, index=True
    )


class ShadowingRepository(OrgRepository[Shadowing]):
    model = Shadowing
    noun = "shadowing"


class ShadowingIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    kind: ShadowingKind
    host_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    host_member_id: uuid.UUID | None = None
    dates: Annotated[list[date], msgspec.Meta(min_length=1, max_length=20)]
    purpose: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class ShadowingDecisionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    agree: bool
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    service_delivery_considered: bool = False


def _move(
    row: Shadowing, to: ShadowingState, who: ActorRef, now: datetime, session: AsyncSession
) -> None:
    if to not in SHADOWING_TRANSITIONS[row.state]:
        raise IllegalTransition(f"Shadowing that is {row.state.value} cannot become {to.value}.")
    AuditLog(session, row.org_id).record(
        "shadowing", row.id, "transition", who, from_state=row.state, to_state=to, at=now
    )
    row.state = to


async def propose(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: ShadowingIn,
    now: datetime,
) -> Shadowing:
    rel, party = await for_party(session, member, relationship_id)
    require_live(rel)
    if data.kind is ShadowingKind.ONE_OFF and len(data.dates) != 1:
        raise InvalidInput.on("dates", "one-off shadowing has exactly one date")
    if rel.mentee_id is None:
        raise IllegalTransition("Shadowing is arranged by the mentee's own organisation.")
    mentee = await MemberRepository(session, rel.org_id).get(rel.mentee_id)
    manager = await ManagementChains(session, rel.org_id).line_manager(mentee)
    if data.host_member_id is not None:
        await MemberRepository(session, rel.org_id).get(data.host_member_id)
    row = ShadowingRepository(session, rel.org_id).add(
        Shadowing(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            kind=data.kind,
            host_name=data.host_name,
            host_member_id=data.host_member_id,
            dates=[d.isoformat() for d in sorted(data.dates)],
            purpose=data.purpose,
            state=ShadowingState.PROPOSED,
            line_manager_id=manager.id if manager else None,
            created_at=now,
        )
    )
    AuditLog(session, rel.org_id).record(
        "shadowing",
        row.id,
        "propose",
        ActorRef(member.id, party.value),
        to_state="proposed",
        at=now,
    )
    await notify(
        session,
        rel.org_id,
        manager.id if manager else None,
        NotificationKind.APPROVAL_NEEDED,
        "Shadowing needs your agreement",
        f"{mentee.display_name} would like to shadow {data.host_name} on "
        + ", ".join(row.dates)
        + ". Please agree or decline, considering service delivery.",
        now=now,
        link="/approvals",
    )
    await session.flush()
    return row


async def list_for_party(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> Sequence[Shadowing]:
    rel, _ = await for_party(session, member, relationship_id)
    return await ShadowingRepository(session, rel.org_id).list(Shadowing.relationship_id == rel.id)


async def awaiting_manager(session: AsyncSession, manager: Member) -> Sequence[Shadowing]:
    return await ShadowingRepository(session, manager.org_id).list(
        Shadowing.line_manager_id == manager.id, Shadowing.state == ShadowingState.PROPOSED
    )


async def decide(
    session: AsyncSession,
    manager: Member,
    shadowing_id: uuid.UUID,
    data: ShadowingDecisionIn,
    now: datetime,
) -> Shadowing:
    """The mentee's line manager agrees or declines; anybody else is told it does not exist."""
    row = await ShadowingRepository(session, manager.org_id).get(shadowing_id)
    if row.line_manager_id != manager.id:
        raise NotFound("No such shadowing.")
    if data.agree and not data.service_delivery_considered:
        raise InvalidInput.on(
            "service_delivery_considered", "confirm you considered service delivery"
        )
    to = ShadowingState.AGREED if data.agree else ShadowingState.DECLINED
    _move(row, to, ActorRef(manager.id, "line manager"), now, session)
    row.manager_reason = data.reason
    row.service_delivery_considered = data.service_delivery_considered
    row.decided_at = now
    rel = await Relationships(session, row.org_id).get(row.relationship_id)
    for member_id in rel.local_party_ids:
        await notify(
            session,
            row.org_id,
            member_id,
            NotificationKind.SHADOWING,
            f"Shadowing {to.value}",
            f"The line manager has {to.value} the shadowing with {row.host_name}.",
            now=now,
            link=f"/relationships/{rel.id}#shadowing",
        )
    await session.flush()
    return row


async def finish(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    shadowing_id: uuid.UUID,
    *,
    completed: bool,
    now: datetime,
) -> Shadowing:
    rel, party = await for_party(session, member, relationship_id)
    row = await ShadowingRepository(session, rel.org_id).get(shadowing_id)
    if row.relationship_id != rel.id:
        raise NotFound("No such shadowing.")
    to = ShadowingState.COMPLETED if completed else ShadowingState.CANCELLED
    _move(row, to, ActorRef(member.id, party.value), now, session)
    await session.flush()
    return row
