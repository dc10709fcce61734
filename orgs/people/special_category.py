"""Special-category data (ethnicity, disability) for positive-action schemes.

Declared only by the member, with an explicit consent record; kept in its own table, apart from
HR attributes; read only by that member (:meth:`SpecialCategory.own`) and by the eligibility
engine (:meth:`SpecialCategory.for_engine`). Never exported, never federated: nothing else in
the code base reads this table. Withdrawing consent deletes the declaration; the consent
history (given / withdrawn, when) remains as evidence of lawful processing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import msgspec
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import InvalidInput, NotFound
from orgs.people.declared import Declared
from orgs.people.members import Member
from orgs.repository import OrgRepository

#: The statement a member agrees to; its version is kept with each consent record.
CONSENT_VERSION = "2026-1"
CONSENT_STATEMENT = (
    "I choose to tell my organisation my ethnicity and/or disability so that I can take part "
    "in positive-action mentoring schemes. Only I and the eligibility check can read it; "
    "coordinators see only whether I am eligible. I can withdraw this at any time."
)


class Ethnicity(StrEnum):
    """Ethnic groups (after the ONS 2021 census high-level groups)."""

    ASIAN = "asian"
    BLACK = "black"
    MIXED = "mixed"
    WHITE_BRITISH = "white_british"
    WHITE_IRISH = "white_irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller"
    WHITE_OTHER = "white_other"
    OTHER = "other"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


class ConsentAction(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class DeclarationIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    consent: bool
    ethnicity: Ethnicity | None = None
    disability: bool | None = None


class SpecialCategoryConsent(OrgOwned, Base):
    __tablename__ = "special_category_consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[ConsentAction] = mapped_column(enum_column(ConsentAction))
    statement_version: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SpecialCategoryDeclaration(OrgOwned, Base):
    __tablename__ = "special_category_declarations"
    __table_args__ = (UniqueConstraint("member_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(enum_column(Ethnicity), default=None)
    disability: Mapped[bool | None] = mapped_column(default=None)
    consent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("special_category_consents.id", ondelete="CASCADE")
    )
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class _Declarations(OrgRepository[SpecialCategoryDeclaration]):
    model = SpecialCategoryDeclaration
    noun = "declaration"


class _Consents(OrgRepository[SpecialCategoryConsent]):
    model = SpecialCategoryConsent
    noun = "consent"


class SpecialCategory:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.declarations = _Declarations(session, org_id)
        self.consents = _Consents(session, org_id)

    async def declare(
        self,
        member: Member,
        *,
        ethnicity: Ethnicity | None,
        disability: bool | None,
        consent: bool,
    ) -> SpecialCategoryDeclaration:
        """The member's own declaration; refused without explicit consent."""
        if member.org_id != self.declarations.org_id:
            raise NotFound("No such member.")
        if consent is not True:
            raise InvalidInput.on(
                "consent", "must be true: you must agree to the statement to declare this"
            )
        if ethnicity is None and disability is None:
            raise InvalidInput.on("ethnicity", "declare an ethnicity, a disability, or both")
        record = self.consents.add(
            SpecialCategoryConsent(
                member_id=member.id, action=ConsentAction.GIVEN, statement_version=CONSENT_VERSION
            )
        )
        await self.session.flush()
        existing = await self.declarations.find_one(
            SpecialCategoryDeclaration.member_id == member.id
        )
        if existing is None:
            existing = self.declarations.add(
                SpecialCategoryDeclaration(member_id=member.id, consent_id=record.id)
            )
        existing.ethnicity = ethnicity
        existing.disability = disability
        existing.consent_id = record.id
        existing.declared_at = utcnow()
        await self.session.flush()
        return existing

    async def own(self, member: Member) -> SpecialCategoryDeclaration | None:
        """What ``member`` declared: for that member's own eyes only."""
        return await self.declarations.find_one(SpecialCategoryDeclaration.member_id == member.id)

    async def withdraw(self, member: Member) -> bool:
        """Delete the declaration and record the withdrawal; False if there was none."""
        existing = await self.own(member)
        if existing is None:
            return False
        await self.session.delete(existing)
        self.consents.add(
            SpecialCategoryConsent(
                member_id=member.id,
                action=ConsentAction.WITHDRAWN,
                statement_version=CONSENT_VERSION,
            )
        )
        await self.session.flush()
        return True

    async def consent_history(self, member: Member) -> list[SpecialCategoryConsent]:
        return list(
            await self.consents.list(
                SpecialCategoryConsent.member_id == member.id, order_by=SpecialCategoryConsent.at
            )
        )

    async def for_engine(self, member_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Declared]:
        """For the eligibility engine only: declarations as facts, by member id."""
        ids = list(member_ids)
        if not ids:
            return {}
        rows = await self.declarations.list(SpecialCategoryDeclaration.member_id.in_(ids))
        return {r.member_id: Declared(r.ethnicity, r.disability) for r in rows}
