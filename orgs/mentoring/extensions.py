"""Carrying on past the planned end (Nottingham City Homes: the pilot "may carry on longer on a
less formal basis"): one party proposes a new end date, the other agrees or declines, and only
on agreement does the planned end move (so the automatic closure waits for it). Both agreements
(the proposal and the answer) are recorded on the row and in the audit trail.

Across organisations an extension is an item of the shared record
(``orgs.mentoring.shared_extensions``, ``shared_ref`` common to both nodes): the functions here
make the edit on this side, and the caller sends it on (``shared_record.after_edit``) like any
other edit of the record. On the mentor's side (the replica) a proposal is made here at once,
but an agreement or a refusal is only sent: the mentee's side (the authority) decides, and the
planned end moves on the replica when its record says the extension was agreed. Each side
checks the date against its own planned end; each side tells its own person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import IllegalTransition, InvalidInput
from orgs.mentoring.relationships import Party, Relationship, for_party, require_live
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository
from orgs.schemes.schemes import add_months

#: How far past the planned end a relationship may carry on, at most.
MAX_EXTRA_MONTHS = 12


class ExtensionState(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    DECLINED = "declined"


class ExtensionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    until: date
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Extension(OrgOwned, Base):
    __tablename__ = "relationship_extensions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    #: The same on both nodes of a cross-organisation pair (None: a row from before 0030).
    shared_ref: Mapped[str | None] = mapped_column(String(32), default=None)
    #: This side's planned end when the proposal was made here (or reached here).
    previous_end_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    proposed_by: Mapped[Party] = mapped_column(enum_column(Party))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(default=None)
    declined_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def state(self) -> ExtensionState:
        if self.agreed_at is not None:
            return ExtensionState.AGREED
        if self.declined_at is not None:
            return ExtensionState.DECLINED
        return ExtensionState.PROPOSED


class Extensions(OrgRepository[Extension]):
    model = Extension
    noun = "extension"


def other(party: Party) -> Party:
    return Party.MENTOR if party is Party.MENTEE else Party.MENTEE


def check_until(rel: Relationship, until: date) -> None:
    """422 naming ``until`` unless it is after this side's planned end and within reach."""
    if not rel.planned_end_on < until <= add_months(rel.planned_end_on, MAX_EXTRA_MONTHS):
        raise InvalidInput.on(
            "until", f"after the planned end and within {MAX_EXTRA_MONTHS} months of it"
        )


async def open_proposals(session: AsyncSession, rel: Relationship) -> Sequence[Extension]:
    return await Extensions(session, rel.org_id).list(
        Extension.relationship_id == rel.id,
        Extension.agreed_at.is_(None),
        Extension.declined_at.is_(None),
    )


async def ask_to_carry_on(
    session: AsyncSession, rel: Relationship, row: Extension, now: datetime | None = None
) -> None:
    """Tell this side's other party of ``row`` (nobody, when they are on the other node: it
    tells them when the proposal reaches it)."""
    await notify(
        session,
        rel.org_id,
        rel.other_party_id(row.proposed_by),
        NotificationKind.AGREEMENT,
        "Carry on with your mentoring?",
        f"Your {row.proposed_by.value} proposes carrying on until {row.until:%d %B %Y}. "
        "Agree if you do.",
        now=now,
        link=f"/relationships/{rel.id}/review/",
    )


def record_proposal(
    session: AsyncSession,
    rel: Relationship,
    *,
    until: date,
    reason: str,
    proposed_by: Party,
    who: ActorRef,
    now: datetime,
    shared_ref: str | None = None,
) -> Extension:
    """Add an open proposal to this side (the range already checked) and audit it."""
    row = Extensions(session, rel.org_id).add(
        Extension(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            shared_ref=shared_ref or uuid.uuid4().hex,
            previous_end_on=rel.planned_end_on,
            until=until,
            reason=reason,
            proposed_by=proposed_by,
            proposed_at=now,
        )
    )
    AuditLog(session, rel.org_id).record(
        "relationship",
        rel.id,
        "extension_proposed",
        who,
        to_state=until.isoformat(),
        reason=f"proposed by the {proposed_by.value}",
        at=now,
    )
    return row


async def propose_extension(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, data: ExtensionIn
) -> Extension:
    rel, party = await for_party(session, member, relationship_id)
    require_live(rel)
    check_until(rel, data.until)
    if not rel.is_replica:
        # A new proposal replaces one not yet answered. On the replica the authority's record
        # replaces it, once the authority has this one (until then both are shown).
        for open_one in await open_proposals(session, rel):
            await session.delete(open_one)
    now = utcnow()
    row = record_proposal(
        session,
        rel,
        until=data.until,
        reason=data.reason,
        proposed_by=party,
        who=ActorRef(member.id, party.value),
        now=now,
    )
    await ask_to_carry_on(session, rel, row, now)
    await session.flush()
    return row


async def _answerable(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, extension_id: uuid.UUID
) -> tuple[Relationship, Party, Extension]:
    rel, party = await for_party(session, member, relationship_id)
    require_live(rel)
    row = await Extensions(session, rel.org_id).get(extension_id)
    if row.relationship_id != rel.id or row.state is not ExtensionState.PROPOSED:
        raise IllegalTransition("This extension is not waiting for an answer.")
    if row.proposed_by is party:
        raise IllegalTransition("The other person must answer your proposal.")
    return rel, party, row


def agreed(
    session: AsyncSession, rel: Relationship, row: Extension, who: ActorRef, now: datetime
) -> None:
    """The other party agreed to ``row``: this side's planned end moves, audited."""
    row.agreed_at = now
    previous, rel.planned_end_on = rel.planned_end_on, row.until
    AuditLog(session, rel.org_id).record(
        "relationship",
        rel.id,
        "extended",
        who,
        from_state=previous.isoformat(),
        to_state=row.until.isoformat(),
        reason=f"proposed by the {row.proposed_by.value}, agreed by the "
        f"{other(row.proposed_by).value}",
        at=now,
    )


def declined(
    session: AsyncSession, rel: Relationship, row: Extension, who: ActorRef, now: datetime
) -> None:
    """The other party declined ``row``: recorded and audited; the planned end stays."""
    row.declined_at = now
    AuditLog(session, rel.org_id).record(
        "relationship",
        rel.id,
        "extension_declined",
        who,
        from_state=rel.planned_end_on.isoformat(),
        to_state=row.until.isoformat(),
        reason=f"proposed by the {row.proposed_by.value}, declined by the "
        f"{other(row.proposed_by).value}",
        at=now,
    )


async def tell_proposer(
    session: AsyncSession, rel: Relationship, row: Extension, now: datetime | None = None
) -> None:
    """Tell the proposer (if they are on this side) what became of their proposal."""
    yes = row.state is ExtensionState.AGREED
    await notify(
        session,
        rel.org_id,
        rel.mentee_id if row.proposed_by is Party.MENTEE else rel.mentor_id,
        NotificationKind.AGREEMENT,
        "Carrying on with your mentoring" if yes else "Not carrying on past the planned end",
        f"Your {other(row.proposed_by).value} "
        + (
            f"agreed: the relationship now carries on until {row.until:%d %B %Y}."
            if yes
            else f"declined carrying on until {row.until:%d %B %Y}; the planned end stays."
        ),
        now=now,
        link=f"/relationships/{rel.id}/review/",
    )


async def agree_extension(
    session: AsyncSession, acting: Actor, relationship_id: uuid.UUID, extension_id: uuid.UUID
) -> Extension:
    """The other party agrees: the planned end moves, recorded and audited (on the replica:
    checked here, made when the authority's record says so)."""
    assert acting.member is not None
    rel, _, row = await _answerable(session, acting.member, relationship_id, extension_id)
    if not rel.is_replica:
        now = utcnow()
        agreed(session, rel, row, acting.ref, now)
        await tell_proposer(session, rel, row, now)
    await session.flush()
    return row


async def decline_extension(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, extension_id: uuid.UUID
) -> Extension:
    """The other party declines: nothing moves; recorded and audited (on the replica: checked
    here, made when the authority's record says so)."""
    rel, party, row = await _answerable(session, member, relationship_id, extension_id)
    if not rel.is_replica:
        now = utcnow()
        declined(session, rel, row, ActorRef(member.id, party.value), now)
        await tell_proposer(session, rel, row, now)
    await session.flush()
    return row


async def extensions_of(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> list[Extension]:
    rel, _ = await for_party(session, member, relationship_id)
    rows = await Extensions(session, member.org_id).list(Extension.relationship_id == rel.id)
    return sorted(rows, key=lambda r: r.proposed_at)
