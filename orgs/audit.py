"""The audit trail: who moved what from which state to which, when, and why."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, utcnow
from orgs.repository import OrgRepository


@dataclass(frozen=True)
class ActorRef:
    """The actor of an audited change: a member, an org token, or the system (jobs)."""

    member_id: uuid.UUID | None
    label: str

    @classmethod
    def system(cls, what: str = "system") -> ActorRef:
        return cls(None, what)


class AuditEntry(OrgOwned, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_id_subject_id", "org_id", "subject_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40), default=None)
    to_state: Mapped[str | None] = mapped_column(String(40), default=None)
    actor_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(OrgRepository[AuditEntry]):
    model = AuditEntry
    noun = "audit entry"

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        super().__init__(session, org_id)
        self._last: datetime | None = None

    def record(
        self,
        subject_type: str,
        subject_id: uuid.UUID,
        action: str,
        who: ActorRef,
        *,
        from_state: str | None = None,
        to_state: str | None = None,
        reason: str = "",
        at: datetime | None = None,
    ) -> AuditEntry:
        at = at or utcnow()
        if self._last is not None and at <= self._last:  # keep one unit of work's order
            at = self._last + timedelta(microseconds=1)
        self._last = at
        return self.add(
            AuditEntry(
                subject_type=subject_type,
                subject_id=subject_id,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor_member_id=who.member_id,
                actor_label=who.label[:200],
                reason=reason,
                at=at,
            )
        )

    async def trail(self, subject_id: uuid.UUID) -> Sequence[AuditEntry]:
        entries = await self.list(AuditEntry.subject_id == subject_id)
        return sorted(entries, key=lambda e: e.at)
