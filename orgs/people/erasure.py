"""Erasing a member (right to erasure): what this node holds that identifies them is removed.

The member row stays as an anonymous tombstone (status ``left``, no name, no email, no
employee id, no sign-in binding) so that relationships, audit entries and statistics keep
their shape; profiles and special-category records go entirely. The federation side tells
every peer that received data about them (``federation.erasure``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.profiles import MenteeProfileRow, MentorProfileRow
from orgs.people.special_category import SpecialCategoryConsent, SpecialCategoryDeclaration


@dataclass(frozen=True)
class Erased:
    member_id: uuid.UUID
    org_id: uuid.UUID


async def erase_member(session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID) -> Erased:
    member = await MemberRepository(session, org_id).get(member_id)
    for table in (
        MenteeProfileRow,
        MentorProfileRow,
        SpecialCategoryDeclaration,
        SpecialCategoryConsent,
    ):
        await session.execute(
            delete(table).where(table.org_id == org_id, table.member_id == member.id)
        )
    _anonymise(member)
    await session.flush()
    return Erased(member.id, org_id)


def _anonymise(member: Member) -> None:
    member.employee_id = None
    member.idp_issuer = None
    member.idp_subject = None
    member.email = ""
    member.given_name = ""
    member.family_name = "(erased)"
    member.job_title = ""
    member.location = ""
    member.attributes = {}
    member.manager_employee_id = None
    member.start_date = None
    member.status = MemberStatus.LEFT
    member.left_at = member.left_at or utcnow()
