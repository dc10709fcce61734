"""Registering interest in a scheme (Nottingham City Homes' workshops: "those who are
interested in being a mentor or mentee will be asked to register their interest"), the first
stage of a scheme's pipeline, before anyone applies."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.people.members import Member
from orgs.repository import OrgRepository
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme


class InterestIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: SchemeRole


class SchemeInterest(OrgOwned, Base):
    __tablename__ = "scheme_interests"
    __table_args__ = (UniqueConstraint("scheme_id", "member_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[SchemeRole] = mapped_column(enum_column(SchemeRole))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Interests(OrgRepository[SchemeInterest]):
    model = SchemeInterest
    noun = "interest"


async def register_interest(
    session: AsyncSession, scheme: Scheme, member: Member, role: SchemeRole
) -> SchemeInterest:
    """Idempotent: registering twice keeps the first registration."""
    repo = Interests(session, scheme.org_id)
    found = await repo.find_one(
        SchemeInterest.scheme_id == scheme.id,
        SchemeInterest.member_id == member.id,
        SchemeInterest.role == role,
    )
    if found is None:
        found = repo.add(SchemeInterest(scheme_id=scheme.id, member_id=member.id, role=role))
        await session.flush()
    return found
