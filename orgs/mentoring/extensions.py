"""Carrying on past the planned end (Nottingham City Homes: the pilot "may carry on longer on a
less formal basis"): one party proposes a new end date, the other agrees, and only then does the
planned end move (so the automatic closure waits for it). Both agreements are recorded, and the
change is in the audit trail. Local relationships only: across organisations the other node
would have to agree too, which the protocol does not carry yet."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import IllegalTransition, InvalidInput
from orgs.mentoring.relationships import Party, for_party, require_live
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository
from orgs.schemes.schemes import add_months

#: How far past the planned end a relationship may carry on, at most.
MAX_EXTRA_MONTHS = 12


class ExtensionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    until: date
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Extension(OrgOwned, Base):
    __tablename__ = "relationship_extensions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    previous_end_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    proposed_by: Mapped[Party] = mapped_column(enum_column(Party))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(default=None)


class Extensions(OrgRepository[Extension]):
    model = Extension
    noun = "extension"


async def propose_extension(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, data: ExtensionIn
) -> Extension:
    rel, party = await for_party(session, member, relationship_id)
    require_live(rel)
    if rel.is_remote:
        raise IllegalTransition("A cross-organisation relationship cannot be extended here yet.")
    if not rel.planned_end_on < data.until <= add_months(rel.planned_end_on, MAX_EXTRA_MONTHS):
        raise InvalidInput.on(
            "until", f"after the planned end and within {MAX_EXTRA_MONTHS} months of it"
        )
    repo = Extensions(session, member.org_id)
    for open_one in await repo.list(
        Extension.relationship_id == rel.id, Extension.agreed_at.is_(None)
    ):
        await session.delete(open_one)  # a new proposal replaces one not yet agreed
    row = repo.add(
        Extension(
            relationship_id=rel.id,
            previous_end_on=rel.planned_end_on,
            until=data.until,
            reason=data.reason,
            proposed_by=party,
        )
    )
    await notify(
        session,
        rel.org_id,
        rel.other_party_id(party),
        NotificationKind.AGREEMENT,
        "Carry on with your mentoring?",
        f"Your {party.value} proposes carrying on until {data.until:%d %B %Y}. Agree if you do.",
        link=f"/relationships/{rel.id}",
    )
    await session.flush()
    return row


async def agree_extension(
    session: AsyncSession, acting: Actor, relationship_id: uuid.UUID, extension_id: uuid.UUID
) -> Extension:
    """The other party agrees: the planned end moves, recorded and audited."""
    assert acting.member is not None
    rel, party = await for_party(session, acting.member, relationship_id)
    require_live(rel)
    row = await Extensions(session, rel.org_id).get(extension_id)
    if row.relationship_id != rel.id or row.agreed_at is not None:
        raise IllegalTransition("This extension is not waiting for an agreement.")
    if row.proposed_by is party:
        raise IllegalTransition("The other person must agree to your proposal.")
    row.agreed_at = utcnow()
    previous, rel.planned_end_on = rel.planned_end_on, row.until
    AuditLog(session, rel.org_id).record(
        "relationship",
        rel.id,
        "extended",
        acting.ref,
        from_state=previous.isoformat(),
        to_state=row.until.isoformat(),
        reason=f"proposed by the {row.proposed_by.value}, agreed by the {party.value}",
    )
    await session.flush()
    return row


async def extensions_of(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> list[Extension]:
    rel, _ = await for_party(session, member, relationship_id)
    rows = await Extensions(session, member.org_id).list(Extension.relationship_id == rel.id)
    return sorted(rows, key=lambda r: r.proposed_at)
