"""The mentee's learning log (Brent's sample learning log): what happened, what was learnt,
what comes next. Private to the mentee by default; shared with the mentor entry by entry.
A coordinator never reads it, and neither does anybody of another org."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, utcnow
from orgs.errors import Forbidden, NotFound
from orgs.mentoring.relationships import Party, for_party
from orgs.people.members import Member
from orgs.repository import OrgRepository


class LogEntry(OrgOwned, Base):
    __tablename__ = "learning_log_entries"
    __table_args__ = (Index("ix_learning_log_entries_org_id_author_id", "org_id", "author_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    #: None on the mentor's side of a cross-organisation pair: a shared entry of the remote
    #: mentee, copied from the shared record.
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    entry_date: Mapped[date]
    activity: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The item's id on both sides of a cross-organisation relationship.
    shared_ref: Mapped[str | None] = mapped_column(
        String(32), default=lambda: uuid.uuid4().hex, index=True
    )


class LearningLog(OrgRepository[LogEntry]):
    model = LogEntry
    noun = "log entry"


Body = Annotated[str, msgspec.Meta(max_length=10000)]


class LogEntryIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    entry_date: date
    activity: Body = ""
    learning: Body = ""
    next_steps: Body = ""
    shared: bool = False


class ShareIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    shared: bool


async def add_entry(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: LogEntryIn,
    now: datetime,
) -> LogEntry:
    rel, party = await for_party(session, member, relationship_id)
    if party is not Party.MENTEE:
        raise Forbidden("The learning log is the mentee's.")
    entry = LearningLog(session, rel.org_id).add(
        LogEntry(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            author_id=member.id,
            created_at=now,
            updated_at=now,
            **msgspec.structs.asdict(data),
        )
    )
    await session.flush()
    return entry


async def visible_entries(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> Sequence[LogEntry]:
    """The mentee sees all their entries; the mentor only those shared with them."""
    rel, party = await for_party(session, member, relationship_id)
    repo = LearningLog(session, rel.org_id)
    if party is Party.MENTEE:
        rows = await repo.list(LogEntry.relationship_id == rel.id, LogEntry.author_id == member.id)
    else:
        rows = await repo.list(LogEntry.relationship_id == rel.id, LogEntry.shared.is_(True))
    return sorted(rows, key=lambda e: (e.entry_date, e.created_at))


async def read_entry(session: AsyncSession, member: Member, entry_id: uuid.UUID) -> LogEntry:
    entry = await LearningLog(session, member.org_id).get(entry_id)
    if entry.author_id == member.id:
        return entry
    rel, _ = await for_party(session, member, entry.relationship_id)
    if entry.shared and rel.mentor_id == member.id:
        return entry
    raise NotFound("No such log entry.")


async def set_shared(
    session: AsyncSession, member: Member, entry_id: uuid.UUID, *, shared: bool, now: datetime
) -> LogEntry:
    entry = await LearningLog(session, member.org_id).get(entry_id)
    if entry.author_id != member.id:
        raise NotFound("No such log entry.")
    entry.shared = shared
    entry.updated_at = now
    await session.flush()
    return entry
