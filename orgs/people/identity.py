"""Who a signed-in person is: find, link or provision the member behind verified IdP claims.

Everything here takes plain, already-verified values (``network.sso`` checks the tokens);
nothing here knows about HTTP. Members are keyed by (org, issuer, subject), never by email:

1. a member already bound to (org, issuer, sub) is that person;
2. else the HR-imported member with the claimed employee id, if not bound to someone else;
3. else, where the org chose it, the one unbound member with the same *verified* email;
4. else a new member (just-in-time provisioning).

Each sign-in refreshes the attributes the IdP sends and replaces the member's SSO-sourced
roles (manually granted roles are kept). Callers own the transaction: on any refusal they
roll back, so a refused sign-in leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from orgs.errors import Unauthenticated
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.roles import MemberRole, Role, RoleSource
from orgs.people.sso_config import LinkingPolicy


class SignInRefused(Unauthenticated):
    """The IdP vouched for the person, but this org will not let them in (safe to show)."""

    code = "sign-in-refused"
    title = "Sign-in refused"


@dataclass(frozen=True)
class IdentityClaims:
    """The verified facts an IdP gave about one person, already mapped to our names."""

    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    given_name: str | None = None
    family_name: str | None = None
    employee_id: str | None = None
    department: str | None = None
    job_title: str | None = None
    manager_employee_id: str | None = None
    groups: tuple[str, ...] = ()


def roles_for_groups(
    groups: tuple[str, ...], group_roles: Mapping[str, tuple[Role, ...]]
) -> frozenset[Role]:
    return frozenset(role for group in groups for role in group_roles.get(group, ()))


def _clip(value: str | None, limit: int) -> str | None:
    return None if value is None else value.strip()[:limit]


class IdentityService:
    """Resolves a verified identity to a member of one org. Never commits."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.members = MemberRepository(session, org_id)

    async def sign_in(
        self,
        claims: IdentityClaims,
        linking: LinkingPolicy,
        group_roles: Mapping[str, tuple[Role, ...]],
    ) -> Member:
        member = await self._find_or_link(claims, linking)
        if member.status == MemberStatus.LEFT:
            raise SignInRefused("Your record in this organisation is no longer active.")
        await self._refresh(member, claims)
        await self._replace_sso_roles(member, roles_for_groups(claims.groups, group_roles))
        return member

    async def _find_or_link(self, claims: IdentityClaims, linking: LinkingPolicy) -> Member:
        bound = await self.members.find_one(
            Member.idp_issuer == claims.issuer, Member.idp_subject == claims.subject
        )
        if bound is not None:
            return bound
        employee_id = _clip(claims.employee_id, 64)
        if employee_id:
            record = await self.members.find_one(Member.employee_id == employee_id)
            if record is not None:
                if record.idp_subject is not None:
                    # Someone else (another issuer/subject) already holds this record.
                    raise SignInRefused(
                        "Your employee record is already linked to another sign-in; "
                        "ask your organisation's MentorNet admin."
                    )
                return self._bind(record, claims)
        if (
            linking is LinkingPolicy.EMPLOYEE_ID_OR_VERIFIED_EMAIL
            and claims.email_verified
            and claims.email
        ):
            candidates = await self.members.list(
                func.lower(Member.email) == claims.email.strip().lower(),
                Member.idp_subject.is_(None),
            )
            if len(candidates) > 1:
                raise SignInRefused(
                    "More than one staff record has your email address; ask your "
                    "organisation's MentorNet admin to fix the HR data."
                )
            if candidates and (not employee_id or candidates[0].employee_id in (None, employee_id)):
                return self._bind(candidates[0], claims)
        member = self.members.add(
            Member(employee_id=employee_id or None, status=MemberStatus.ACTIVE, attributes={})
        )
        return self._bind(member, claims)

    @staticmethod
    def _bind(member: Member, claims: IdentityClaims) -> Member:
        member.idp_issuer = claims.issuer
        member.idp_subject = claims.subject
        return member

    async def _refresh(self, member: Member, claims: IdentityClaims) -> None:
        """Copy what the IdP sent; what it does not send keeps its HR value."""
        for attribute, value, limit in (
            ("email", claims.email, 320),
            ("given_name", claims.given_name, 100),
            ("family_name", claims.family_name, 100),
            ("department", claims.department, 200),
            ("job_title", claims.job_title, 200),
        ):
            clipped = _clip(value, limit)
            if clipped is not None:
                setattr(member, attribute, clipped)
        manager = _clip(claims.manager_employee_id, 64)
        if manager is not None:
            member.manager_employee_id = manager or None
            boss = await self.members.find_one(Member.employee_id == manager) if manager else None
            member.manager_id = boss.id if boss is not None and boss is not member else None
        await self.session.flush()

    async def _replace_sso_roles(self, member: Member, wanted: frozenset[Role]) -> None:
        await self.session.execute(
            delete(MemberRole).where(
                MemberRole.org_id == self.org_id,
                MemberRole.member_id == member.id,
                MemberRole.source == RoleSource.SSO,
            )
        )
        manual = set(
            await self.session.scalars(
                select(MemberRole.role).where(
                    MemberRole.org_id == self.org_id, MemberRole.member_id == member.id
                )
            )
        )
        for role in sorted(wanted - manual):
            self.session.add(
                MemberRole(
                    org_id=self.org_id,
                    member_id=member.id,
                    role=role,
                    source=RoleSource.SSO,
                    granted_by="sso",
                )
            )
        await self.session.flush()


@dataclass(frozen=True)
class SignedInMember:
    """What every signed-in request needs about its member."""

    member: Member
    roles: frozenset[Role]
    line_manager: bool


async def signed_in_member(
    session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID
) -> SignedInMember | None:
    """The active member, their stored roles and whether they manage anyone, in one query
    (as ``roles_of`` and ``is_line_manager`` would in three: this runs on every request)."""
    report = aliased(Member)
    manages = exists().where(
        report.org_id == Member.org_id,
        report.id != Member.id,
        report.status == MemberStatus.ACTIVE,
        or_(
            report.manager_id == Member.id,
            and_(Member.employee_id != "", report.manager_employee_id == Member.employee_id),
        ),
    )
    rows = (
        await session.execute(
            select(Member, MemberRole.role, manages.label("manages"))
            .outerjoin(
                MemberRole,
                and_(MemberRole.org_id == Member.org_id, MemberRole.member_id == Member.id),
            )
            .where(
                Member.org_id == org_id,
                Member.id == member_id,
                Member.status == MemberStatus.ACTIVE,
            )
        )
    ).all()
    if not rows:
        return None
    roles = frozenset(role for _, role, _ in rows if role is not None)
    return SignedInMember(rows[0][0], roles, line_manager=bool(rows[0][2]))


async def is_line_manager(session: AsyncSession, member: Member) -> bool:
    """Derived, never stored: does any active member of the org report to ``member``?"""
    reports_to = Member.manager_id == member.id
    if member.employee_id:
        reports_to = or_(reports_to, Member.manager_employee_id == member.employee_id)
    query = select(
        exists().where(
            Member.org_id == member.org_id,
            Member.id != member.id,
            Member.status == MemberStatus.ACTIVE,
            reports_to,
        )
    )
    return bool(await session.scalar(query))
