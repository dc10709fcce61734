"""Finding, linking and provisioning the member behind verified claims (orgs.people.identity)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.models import Org
from orgs.people.identity import (
    IdentityClaims,
    IdentityService,
    SignInRefused,
    is_line_manager,
    signed_in_member,
)
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.roles import MemberRole, Role, RoleSource, roles_of
from orgs.people.sso_config import LinkingPolicy
from orgs.registry import OrgRegistry

ISSUER = "https://login.brent.example"
GROUPS = {"admins": (Role.ORG_ADMIN,), "coords": (Role.COORDINATOR,)}


@pytest.fixture
async def org(db: AsyncSession) -> Org:
    return await OrgRegistry(db).create("brent", "Brent")


def claims(sub: str = "s-1", **values: object) -> IdentityClaims:
    return IdentityClaims(issuer=ISSUER, subject=sub, **values)  # type: ignore[arg-type]


async def test_sso_roles_are_replaced_at_each_sign_in_and_manual_ones_kept(
    db: AsyncSession, org: Org
) -> None:
    service = IdentityService(db, org.id)
    member = await service.sign_in(
        claims(groups=("admins", "coords")), LinkingPolicy.EMPLOYEE_ID, GROUPS
    )
    db.add(
        MemberRole(
            org_id=org.id, member_id=member.id, role=Role.HR_DIRECTOR, source=RoleSource.MANUAL
        )
    )
    await db.flush()
    again = await service.sign_in(claims(groups=("coords",)), LinkingPolicy.EMPLOYEE_ID, GROUPS)
    assert again.id == member.id
    assert await roles_of(db, member) == {Role.COORDINATOR, Role.HR_DIRECTOR}
    await service.sign_in(claims(groups=()), LinkingPolicy.EMPLOYEE_ID, GROUPS)
    assert await roles_of(db, member) == {Role.HR_DIRECTOR}


async def test_a_leaver_is_refused(db: AsyncSession, org: Org) -> None:
    MemberRepository(db, org.id).add(
        Member(employee_id="E1", status=MemberStatus.LEFT, idp_issuer=ISSUER, idp_subject="s-1")
    )
    await db.flush()
    with pytest.raises(SignInRefused, match="no longer active"):
        await IdentityService(db, org.id).sign_in(claims(), LinkingPolicy.EMPLOYEE_ID, {})


async def test_an_hr_record_bound_to_another_subject_is_not_taken_over(
    db: AsyncSession, org: Org
) -> None:
    MemberRepository(db, org.id).add(Member(employee_id="E1", idp_issuer=ISSUER, idp_subject="s-1"))
    await db.flush()
    with pytest.raises(SignInRefused, match="already linked"):
        await IdentityService(db, org.id).sign_in(
            claims("s-2", employee_id="E1"), LinkingPolicy.EMPLOYEE_ID, {}
        )


async def test_email_links_only_when_verified_and_the_org_chose_it(
    db: AsyncSession, org: Org
) -> None:
    hr = MemberRepository(db, org.id).add(Member(employee_id=None, email="Ada@Brent.example"))
    await db.flush()
    service = IdentityService(db, org.id)
    unverified = await service.sign_in(
        claims("s-1", email="ada@brent.example", email_verified=False),
        LinkingPolicy.EMPLOYEE_ID_OR_VERIFIED_EMAIL,
        {},
    )
    assert unverified.id != hr.id  # provisioned anew, not linked
    policy_off = await service.sign_in(
        claims("s-2", email="ada@brent.example", email_verified=True), LinkingPolicy.EMPLOYEE_ID, {}
    )
    assert policy_off.id != hr.id
    linked = await service.sign_in(
        claims("s-3", email="ada@brent.example", email_verified=True),
        LinkingPolicy.EMPLOYEE_ID_OR_VERIFIED_EMAIL,
        {},
    )
    assert linked.id == hr.id


async def test_ambiguous_email_is_refused(db: AsyncSession, org: Org) -> None:
    repo = MemberRepository(db, org.id)
    repo.add(Member(email="dup@brent.example"))
    repo.add(Member(email="dup@brent.example"))
    await db.flush()
    with pytest.raises(SignInRefused, match="More than one"):
        await IdentityService(db, org.id).sign_in(
            claims(email="dup@brent.example", email_verified=True),
            LinkingPolicy.EMPLOYEE_ID_OR_VERIFIED_EMAIL,
            {},
        )


async def test_claims_refresh_attributes_and_the_manager_link(db: AsyncSession, org: Org) -> None:
    repo = MemberRepository(db, org.id)
    boss = repo.add(Member(employee_id="B1", given_name="Bo"))
    await db.flush()
    service = IdentityService(db, org.id)
    member = await service.sign_in(
        claims(employee_id="E9", department="Housing", manager_employee_id="B1"),
        LinkingPolicy.EMPLOYEE_ID,
        {},
    )
    assert (member.department, member.manager_id) == ("Housing", boss.id)
    assert await is_line_manager(db, boss)
    assert not await is_line_manager(db, member)
    await service.sign_in(claims(job_title="Officer"), LinkingPolicy.EMPLOYEE_ID, {})
    assert member.department == "Housing"  # not sent this time: kept
    assert member.job_title == "Officer"
    assert (await db.scalars(select(Member).where(Member.org_id == org.id))).all().__len__() == 2


async def test_the_signed_in_member_query_agrees_with_roles_and_line_manager(
    db: AsyncSession, org: Org
) -> None:
    """The one query every signed-in request runs gives what the three separate reads give,
    for each way of managing someone (by id, by employee id, only leavers, nobody)."""
    repo = MemberRepository(db, org.id)
    by_id = repo.add(Member(employee_id="M1"))
    by_employee_id = repo.add(Member(employee_id="M2"))
    of_leavers = repo.add(Member(employee_id="M3"))
    no_employee_id = repo.add(Member(employee_id=None))
    blank = repo.add(Member(employee_id=""))
    leaver = repo.add(Member(employee_id="L1", status=MemberStatus.LEFT))
    await db.flush()
    repo.add(Member(employee_id="R1", manager_id=by_id.id))
    repo.add(Member(employee_id="R2", manager_employee_id="M2"))
    repo.add(Member(employee_id="R3", manager_employee_id="M3", status=MemberStatus.LEFT))
    repo.add(Member(employee_id="R4", manager_employee_id=""))
    for member, role in [
        (by_id, Role.ORG_ADMIN),
        (by_id, Role.COORDINATOR),
        (blank, Role.HR_DIRECTOR),
    ]:
        db.add(MemberRole(org_id=org.id, member_id=member.id, role=role))
    await db.flush()
    managing = []
    for member in (by_id, by_employee_id, of_leavers, no_employee_id, blank):
        found = await signed_in_member(db, org.id, member.id)
        assert found is not None
        assert found.member is member
        assert found.roles == await roles_of(db, member)
        assert found.line_manager == await is_line_manager(db, member)
        managing.append(found.line_manager)
    assert managing == [True, True, False, False, False]
    assert await signed_in_member(db, org.id, leaver.id) is None
    other = await OrgRegistry(db).create("harrow", "Harrow")
    assert await signed_in_member(db, other.id, by_id.id) is None
