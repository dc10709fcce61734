"""Roles a member holds in their org. Line manager is not stored: it is derived from HR data."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.models import TokenRole
from orgs.people.members import Member


class Role(StrEnum):
    ORG_ADMIN = "org_admin"
    COORDINATOR = "coordinator"
    HR_DIRECTOR = "hr_director"
    #: Granted by an org to its own staff: sees the reports of the networks the org is in.
    NETWORK_COORDINATOR = "network_coordinator"


class RoleSource(StrEnum):
    MANUAL = "manual"  # assigned by an org admin or the CLI
    SSO = "sso"  # from the IdP's groups claim; refreshed at each sign-in


#: What a bare org API token (an admin's script, no member behind it) may do.
TOKEN_ROLES: dict[TokenRole, frozenset[Role]] = {
    TokenRole.ADMIN: frozenset({Role.ORG_ADMIN}),
    TokenRole.COORDINATOR: frozenset({Role.COORDINATOR}),
    TokenRole.HR_DIRECTOR: frozenset({Role.HR_DIRECTOR}),
}


class MemberRole(OrgOwned, Base):
    __tablename__ = "member_roles"
    __table_args__ = (UniqueConstraint("member_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    source: Mapped[RoleSource] = mapped_column(enum_column(RoleSource), default=RoleSource.MANUAL)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(200), default="")


async def roles_of(session: AsyncSession, member: Member) -> frozenset[Role]:
    """The stored roles of ``member`` (line manager is derived elsewhere, not stored)."""
    rows = await session.scalars(
        select(MemberRole.role).where(
            MemberRole.org_id == member.org_id, MemberRole.member_id == member.id
        )
    )
    return frozenset(rows)
