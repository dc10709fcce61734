"""The demo's dev IdP: each demo person of each demo org signs in and sees their role."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.demo.people import dev_people
from network.demo.seed import DEMO_ORGS, seed_demo
from network.http.dev_idp import configure_dev_sso
from network.sso.flow import SsoRuntime
from orgs.people.members import Member, MemberRepository
from orgs.registry import OrgRegistry
from tests.integration.sso.flows import Browser, assert_signed_in, member_count
from tests.integration.sso.idp import split

#: Stored roles (the demo grants them; the groups claim maps to the same) + derived ones.
EXPECTED_ROLES = {
    "mentee": [],
    "mentor": ["line_manager"],
    "line manager": ["line_manager"],
    "coordinator": ["coordinator"],
    "admin": ["org_admin"],
    "HR director": ["hr_director", "line_manager"],
}


@pytest.fixture
async def demo_orgs(
    app: Litestar, db: AsyncSession, settings: Settings, tmp_path: Path
) -> list[str]:
    await seed_demo(db)  # the demo's orgs and HR staff, as `mentornet demo` loads them
    configured = await configure_dev_sso(db, settings, tmp_path / "dev-idp")
    await db.commit()
    # The node talks to its own /dev-idp routes; in-process here, over loopback in the demo.
    SsoRuntime.of(app.state).idp.transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return configured


async def sign_in_as(browser: Browser, slug: str, sub: str) -> httpx.Response:
    login = await browser.get(f"/orgs/{slug}/login")
    assert login.status_code == 302, login.text
    path, query = split(login.headers["location"])
    assert path == f"/dev-idp/{slug}/authorize"
    page = await browser.get(path, params=query)
    assert page.status_code == 200, page.text
    form = re.search(
        rf"<form method='post' action='([^']+)'>((?:(?!</form>).)*value='{sub}'.*?)</form>",
        page.text,
    )
    assert form is not None, page.text
    fields = dict(re.findall(r"name='([^']+)' value='([^']*)'", form.group(2)))
    chosen = await browser.post(form.group(1), data=fields)
    assert chosen.status_code == 303, chosen.text
    path, query = split(chosen.headers["location"])
    return await browser.get(path, params=query)


async def test_every_demo_person_of_every_demo_org_signs_in_and_sees_their_role(
    browser: Browser, demo_orgs: list[str], db: AsyncSession
) -> None:
    assert sorted(demo_orgs) == sorted(o.slug for o in DEMO_ORGS)
    staff = await member_count(db)
    for slug in demo_orgs:
        org_id = (await OrgRegistry(db).get(slug)).id
        assert len(dev_people(slug)) == 6
        for person in dev_people(slug):
            assert_signed_in(await sign_in_as(browser, slug, person.sub), slug)
            me = (await browser.get("/api/v1/me")).json()
            assert me["org"] == slug
            hr = await MemberRepository(db, org_id).find_one(
                Member.employee_id == person.employee_id
            )
            assert hr is not None
            assert me["member_id"] == str(hr.id)  # linked to the HR record, not provisioned
            await db.rollback()
            assert me["name"] == f"{person.given_name} {person.family_name}"
            assert me["roles"] == EXPECTED_ROLES[person.kind], (slug, person.kind, me)
            account = await browser.get(f"/orgs/{slug}/account")
            assert person.given_name in account.text
    assert await member_count(db) == staff  # nobody new: every sign-in linked


async def test_the_dev_idp_is_not_served_in_prod(
    app: Litestar, settings: Settings, browser: Browser, demo_orgs: list[str]
) -> None:
    import msgspec

    SsoRuntime.of(app.state).settings = msgspec.structs.replace(settings, env="prod")
    response = await browser.get("/dev-idp/brent/.well-known/openid-configuration")
    assert response.status_code == 404
