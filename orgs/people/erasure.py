"""Erasing a member (right to erasure): what this node holds that identifies them is removed.

The member row stays as an anonymous tombstone (status ``left``, no name, no email, no
employee id, no sign-in binding) so that relationships, audit entries and statistics keep
their shape; profiles and special-category records go entirely, and so do the member's own
notifications and unsent emails (the emails already sent keep only that they were sent). The
erasure itself is audited, naming nobody but the tombstone. ``orgs.records.erasure`` adds
what the other rooms hold; the federation side tells every peer that received data about them
(``federation.erasure``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef, AuditEntry, AuditLog
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.notifications import EmailStatus, Notification, OutgoingEmail
from orgs.people.profiles import MenteeProfileRow, MentorProfileRow
from orgs.people.special_category import SpecialCategoryConsent, SpecialCategoryDeclaration
from orgs.redaction import ERASED_NAME


@dataclass(frozen=True)
class Erased:
    member_id: uuid.UUID
    org_id: uuid.UUID
    #: The strings that named them (full name, email, audit label), for the sweep of every
    #: other copy (``orgs.redaction.redact_everywhere``); never stored.
    needles: tuple[str, ...]


def needles_of(member: Member) -> tuple[str, ...]:
    """What names ``member`` in text written about them: the full name as notifications
    write it, the email, and the audit label of their own actions (``Actor.of_member``)."""
    name = f"{member.given_name} {member.family_name}".strip()
    return tuple(n for n in (name, member.email, f"member {member.id}") if n)


async def erase_member(
    session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID, by: ActorRef, now: datetime
) -> Erased:
    member = await MemberRepository(session, org_id).get(member_id)
    needles = needles_of(member)
    for table in (
        MenteeProfileRow,
        MentorProfileRow,
        SpecialCategoryDeclaration,
        SpecialCategoryConsent,
        Notification,
    ):
        await session.execute(
            delete(table).where(table.org_id == org_id, table.member_id == member.id)
        )
    await _forget_emails(session, org_id, member)
    # The trail keeps what they did; the reasons they wrote for it were their own words.
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.org_id == org_id, AuditEntry.actor_member_id == member.id)
        .values(reason="")
    )
    _anonymise(member, now)
    AuditLog(session, org_id).record("member", member.id, "erase", by, to_state="left", at=now)
    await session.flush()
    return Erased(member.id, org_id, needles)


async def _forget_emails(session: AsyncSession, org_id: uuid.UUID, member: Member) -> None:
    """Emails to them: unsent ones are dropped; sent (or given-up) ones keep only their
    status and dates, so the count of mail sent stays true."""
    theirs = [OutgoingEmail.member_id == member.id]
    if member.email:
        theirs.append(func.lower(OutgoingEmail.to_address) == member.email.lower())
    mine = (OutgoingEmail.org_id == org_id, or_(*theirs))
    await session.execute(
        delete(OutgoingEmail).where(*mine, OutgoingEmail.status == EmailStatus.PENDING)
    )
    await session.execute(
        update(OutgoingEmail)
        .where(*mine)
        .values(
            member_id=None,
            to_address="",
            subject="",
            text="",
            link="",
            digest=[],
            calendar="",
            last_error="",
        )
    )


def _anonymise(member: Member, now: datetime) -> None:
    member.employee_id = None
    member.idp_issuer = None
    member.idp_subject = None
    member.email = ""
    member.given_name = ""
    member.family_name = ERASED_NAME
    member.department = ""
    member.job_title = ""
    member.grade = ""
    member.location = ""
    member.employment_type = ""
    member.attributes = {}
    member.manager_employee_id = None
    member.start_date = None
    member.status = MemberStatus.LEFT
    member.left_at = member.left_at or now
