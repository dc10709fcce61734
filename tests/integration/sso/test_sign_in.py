"""Signing in through each org's own IdP (the real oidc-provider): the good paths."""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.app import create_app
from network.config import Settings
from network.sso.flow import SsoRuntime
from orgs.people.members import Member, MemberRepository
from orgs.people.roles import MemberRole, Role, RoleSource
from tests.integration.sso.conftest import Clock, SsoOrgs
from tests.integration.sso.flows import (
    Browser,
    assert_signed_in,
    member_count,
    session_keys,
    sign_in,
)
from tests.integration.sso.idp import HTTPS_BASE, IdpServer


async def test_first_sign_in_provisions_the_member_keyed_by_issuer_and_subject(
    browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer, db: AsyncSession
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")

    await db.rollback()
    member = (await db.scalars(select(Member))).one()
    assert (member.org_id, member.idp_issuer, member.idp_subject) == (
        sso_orgs.brent.id,
        idp.issuers["brent"],
        "alice",
    )
    assert member.employee_id == "BR-1001"
    assert (member.given_name, member.family_name) == ("Alice", "Adeyemi")
    assert (member.department, member.job_title) == ("Housing", "Housing Officer")
    assert member.email == "alice.mentee@brent.example"
    assert member.manager_employee_id == "BR-1003"
    assert len(session_keys()) == 1

    me = await browser.get("/api/v1/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["org"] == "brent"
    assert body["via"] == "session"
    assert body["member_id"] == str(member.id)
    assert body["name"] == "Alice Adeyemi"
    assert body["roles"] == []
    account = await browser.get("/orgs/brent/account")
    assert "Alice Adeyemi" in account.text
    assert "Your roles: <strong>member</strong>" in account.text


async def test_first_sign_in_links_to_the_hr_record_by_employee_id_and_maps_groups_to_roles(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    members = MemberRepository(db, sso_orgs.brent.id)
    hr = members.add(Member(employee_id="BR-1005", given_name="B", family_name="Bello"))
    report = members.add(Member(employee_id="BR-2000", manager_employee_id="BR-1005"))
    await db.flush()
    db.add(
        MemberRole(
            org_id=sso_orgs.brent.id,
            member_id=hr.id,
            role=Role.HR_DIRECTOR,
            source=RoleSource.MANUAL,
        )
    )
    await db.commit()
    hr_id, report_id = hr.id, report.id

    assert_signed_in(await sign_in(browser, "brent", "bola"), "brent")

    assert await member_count(db) == 2  # linked, not a third member
    me = (await browser.get("/api/v1/me")).json()
    assert me["member_id"] == str(hr_id) != str(report_id)
    # SSO groups give admin and coordinator; the manual HR-director role is kept;
    # line manager is derived from the HR data (BR-2000 reports to BR-1005).
    assert me["roles"] == ["coordinator", "hr_director", "org_admin", "line_manager"]
    sources = {
        row.role: row.source
        for row in await db.scalars(select(MemberRole).where(MemberRole.member_id == hr_id))
    }
    await db.rollback()
    assert sources == {
        Role.HR_DIRECTOR: RoleSource.MANUAL,
        Role.ORG_ADMIN: RoleSource.SSO,
        Role.COORDINATOR: RoleSource.SSO,
    }


async def test_a_second_sign_in_finds_the_same_member_and_rotates_the_session(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "carol"), "brent")  # no employee id: JIT
    first_cookie = browser.cookies["mentornet_session"]
    first_me = (await browser.get("/api/v1/me")).json()

    assert_signed_in(await sign_in(browser, "brent", "carol"), "brent")
    second_cookie = browser.cookies["mentornet_session"]
    assert second_cookie != first_cookie
    assert (await browser.get("/api/v1/me")).json()["member_id"] == first_me["member_id"]
    assert await member_count(db) == 1
    assert len(session_keys()) == 1  # the old session was destroyed, not just forgotten

    browser.cookies.clear()
    stale = await browser.get("/api/v1/me", headers={"Cookie": f"mentornet_session={first_cookie}"})
    assert stale.status_code == 401


async def test_dev_cookie_is_httponly_lax_host_only_and_not_secure_over_plain_http(
    browser: Browser, sso_orgs: SsoOrgs
) -> None:
    response = await sign_in(browser, "brent", "alice")
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("mentornet_session=")
    )
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert "secure" not in flags
    assert not any(flag.startswith("domain=") for flag in flags)


async def test_https_node_uses_a_secure_host_prefixed_cookie(
    settings: Settings, sso_orgs: SsoOrgs, clock: Clock
) -> None:
    app: Litestar = create_app(msgspec.structs.replace(settings, base_url=HTTPS_BASE))
    SsoRuntime.of(app.state).set_clock(clock)
    async with AsyncTestClient(app, base_url=HTTPS_BASE) as browser:
        browser.follow_redirects = False
        login = await browser.get("/orgs/brent/login")
        login_cookie = login.headers["set-cookie"]
        assert login_cookie.startswith("__Host-mentornet-login=")
        response = await sign_in(browser, "brent", "alice", node=HTTPS_BASE)
        assert_signed_in(response, "brent")
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-mentornet=")
        )
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags)
        assert not any(flag.startswith("domain=") for flag in flags)
        assert (await browser.get("/api/v1/me")).json()["org"] == "brent"
