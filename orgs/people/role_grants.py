"""Granting and revoking the stored roles of an org (org admin, coordinator, HR director)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef, AuditLog
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.roles import MemberRole, Role, RoleSource
from orgs.repository import OrgRepository


class RoleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member_id: uuid.UUID
    role: Role


class MemberRoleRepository(OrgRepository[MemberRole]):
    model = MemberRole
    noun = "role"


class RoleGrants:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.members = MemberRepository(session, org_id)
        self.roles = MemberRoleRepository(session, org_id)
        self.audit = AuditLog(session, org_id)

    async def grant(self, member_id: uuid.UUID, role: Role, who: ActorRef) -> MemberRole:
        member = await self.members.get(member_id)
        existing = await self.roles.find_one(
            MemberRole.member_id == member.id, MemberRole.role == role
        )
        if existing is not None:
            return existing
        row = self.roles.add(
            MemberRole(
                member_id=member.id, role=role, source=RoleSource.MANUAL, granted_by=who.label
            )
        )
        self.audit.record("member", member.id, "role granted", who, to_state=role.value)
        await self.session.flush()
        return row

    async def revoke(self, member_id: uuid.UUID, role: Role, who: ActorRef) -> bool:
        member = await self.members.get(member_id)
        existing = await self.roles.find_one(
            MemberRole.member_id == member.id, MemberRole.role == role
        )
        if existing is None:
            return False
        await self.session.delete(existing)
        self.audit.record("member", member.id, "role revoked", who, from_state=role.value)
        await self.session.flush()
        return True

    async def holders(self) -> Sequence[tuple[MemberRole, Member]]:
        rows = await self.roles.list(order_by=MemberRole.role)
        members = (
            {
                m.id: m
                for m in await self.members.list(
                    Member.id.in_([r.member_id for r in rows]), Member.status == MemberStatus.ACTIVE
                )
            }
            if rows
            else {}
        )
        return [(r, members[r.member_id]) for r in rows if r.member_id in members]
