"""Eligibility rules stored as data: one versioned document per scheme.

Every change adds a version (who, when, the whole document, an optional note); the newest
version is in force. Setting the same document again adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import msgspec
from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef
from orgs.db import Base, OrgOwned, utcnow
from orgs.org_settings import read_settings
from orgs.repository import OrgRepository
from orgs.schemes.eligibility import RuleSet, check_grades, parse_rules
from orgs.schemes.schemes import Scheme


class EligibilityRules(OrgOwned, Base):
    __tablename__ = "eligibility_rules"
    __table_args__ = (UniqueConstraint("scheme_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_by_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def rules(self) -> RuleSet:
        return parse_rules(self.document)


class RulesIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: The rules document: ``{"mentee": [rule, …], "mentor": [rule, …]}`` (see the docs).
    document: dict[str, Any]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class RulesRepository(OrgRepository[EligibilityRules]):
    model = EligibilityRules
    noun = "rules version"


class RulesStore:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.rules = RulesRepository(session, org_id)

    async def current(self, scheme: Scheme) -> EligibilityRules | None:
        query = (
            self.rules.select(EligibilityRules.scheme_id == scheme.id)
            .order_by(EligibilityRules.version.desc())
            .limit(1)
        )
        return (await self.session.scalars(query)).first()

    async def versions(self, scheme: Scheme) -> Sequence[EligibilityRules]:
        return await self.rules.list(
            EligibilityRules.scheme_id == scheme.id, order_by=EligibilityRules.version
        )

    async def set(
        self, scheme: Scheme, document: object, who: ActorRef, note: str = ""
    ) -> tuple[EligibilityRules, bool]:
        """Validate and store a new version; returns it and whether it is new."""
        rule_set = parse_rules(document)
        check_grades(rule_set, (await read_settings(self.session, self.org_id)).grade_order)
        normalised = rule_set.to_data()
        current = await self.current(scheme)
        if current is not None and current.document == normalised:
            return current, False
        latest = await self.session.scalar(
            select(func.max(EligibilityRules.version)).where(
                EligibilityRules.org_id == self.org_id, EligibilityRules.scheme_id == scheme.id
            )
        )
        row = self.rules.add(
            EligibilityRules(
                scheme_id=scheme.id,
                version=(latest or 0) + 1,
                document=normalised,
                note=note[:500],
                created_by=who.label[:200],
                created_by_member_id=who.member_id,
            )
        )
        await self.session.flush()
        return row, True
