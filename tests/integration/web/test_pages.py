"""The web pages in-process: headers, errors as pages (the API keeps problem+json), sign-in
redirects, CSRF, and forms that keep what was typed when they are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.web.security import CSP
from orgs.models import Org
from orgs.org_settings import read_settings, update_settings
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.sessions import sign_in

Client = AsyncTestClient[Litestar]


@dataclass
class SignedIn:
    org: Org
    member: Member
    csrf: str


@pytest.fixture
async def brent(db: AsyncSession) -> Org:
    org = await OrgRegistry(db).create("brent", "London Borough of Brent")
    await OrgRegistry(db).create("harrow", "London Borough of Harrow")
    await SchemeService(db, org.id).create(SchemeSpec(slug="mentoring", name="Brent Mentoring"))
    await db.commit()
    return org


@pytest.fixture
async def signed_in(settings: Settings, client: Client, db: AsyncSession, brent: Org) -> SignedIn:
    """A session as the sign-in callback makes it (the sign-in itself is tested in sso/ and in
    the browser tests), in this test client's cookie jar as a browser keeps it."""
    member = MemberRepository(db, brent.id).add(
        Member(employee_id="B1", given_name="Rosa", family_name="Doyle", email="rosa@b.example")
    )
    await db.commit()
    [session] = await sign_in("brent", [member], settings=settings)
    client.cookies.update(session.cookies)
    return SignedIn(brent, member, session.csrf)


async def test_the_node_home_lists_its_organisations_with_their_sign_in(
    client: Client, brent: Org
) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    links = re.findall(r'href="(/orgs/[^"]+)">([^<]+)<', page.text)
    assert links == [
        ("/orgs/brent/login", "London Borough of Brent"),
        ("/orgs/harrow/login", "London Borough of Harrow"),
    ]
    assert "<script" not in page.text
    assert "style=" not in page.text


async def test_pages_need_a_sign_in_and_come_back_after_it(client: Client, brent: Org) -> None:
    response = await client.get("/orgs/brent/requests", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/orgs/brent/login?next=/orgs/brent/requests"


async def test_errors_are_pages_for_people_and_problems_for_the_api(
    client: Client, signed_in: SignedIn
) -> None:
    page = await client.get("/orgs/brent/relationships/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "govuk-heading-l" in page.text
    assert "Traceback" not in page.text
    missing = await client.get("/orgs/brent/no-such-page")
    assert (missing.status_code, missing.headers["content-type"][:9]) == (404, "text/html")
    api = await client.get("/api/v1/no-such-thing")
    assert api.headers["content-type"] == "application/problem+json"
    other_org = await client.get("/orgs/harrow/requests")
    assert other_org.status_code == 404  # a session of Brent never acts in Harrow


async def test_a_form_without_the_session_s_csrf_token_is_refused(
    client: Client, signed_in: SignedIn
) -> None:
    form = {"capacity": "2", "meeting_modes": "remote", "seniority_band": "5", "topic-housing": "3"}
    refused = await client.post("/orgs/brent/profile/mentor", data=form)
    assert refused.status_code == 403
    assert "security token" in refused.text
    saved = await client.post(
        "/orgs/brent/profile/mentor",
        data={**form, "csrf_token": signed_in.csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303


async def test_a_refused_form_says_what_is_wrong_and_keeps_what_was_typed(
    client: Client, signed_in: SignedIn
) -> None:
    page = await client.post(
        "/orgs/brent/profile/mentor",
        data={
            "csrf_token": signed_in.csrf,
            "capacity": "many",
            "seniority_band": "5",
            "pen_picture": "Twenty years in <housing>",
            "topic-housing": "3",
        },
    )
    assert page.status_code == 400
    assert page.text.count("govuk-error-summary") >= 1
    assert '<a href="#capacity">' in page.text
    assert '<a href="#meeting_modes">' in page.text
    assert 'id="capacity-error"' in page.text
    assert 'value="many"' in page.text  # what was typed is kept…
    assert "Twenty years in &lt;housing&gt;" in page.text  # …and escaped
    assert page.text.count('value="3" checked') == 1
    assert "<title>Error: " in page.text


async def test_every_form_carries_the_session_s_csrf_token(
    client: Client, signed_in: SignedIn
) -> None:
    for path in ("/orgs/brent/", "/orgs/brent/profile/mentee", "/orgs/brent/profile/mentor"):
        page = await client.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page.text, re.S)
        assert forms, path
        for form in forms:
            assert f'name="csrf_token" value="{signed_in.csrf}"' in form, path


async def test_the_org_s_colour_themes_its_pages(
    client: Client, db: AsyncSession, brent: Org
) -> None:
    default = await client.get("/orgs/brent/theme.css")
    assert "--mn-brand:#1d70b8;--mn-brand-text:#ffffff;" in default.text
    settings = await read_settings(db, brent.id)
    await update_settings(db, brent.id, msgspec.structs.replace(settings, brand_colour="#ffdd00"))
    await db.commit()
    themed = await client.get("/orgs/brent/theme.css")
    assert themed.headers["content-type"].startswith("text/css")
    assert "--mn-brand:#ffdd00;--mn-brand-text:#0b0c0c;" in themed.text  # dark text on yellow


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("mentee", {"meeting_mode": "either", "goals": "Lead a team"}),
        ("mentor", {"capacity": "1", "meeting_modes": "remote", "seniority_band": "5"}),
    ],
)
async def test_a_profile_form_with_no_topic_says_so_and_saves_nothing(
    client: Client, db: AsyncSession, signed_in: SignedIn, path: str, form: dict[str, str]
) -> None:
    page = await client.post(
        f"/orgs/brent/profile/{path}", data={**form, "csrf_token": signed_in.csrf}
    )
    assert page.status_code == 400
    assert '<a href="#topics">Choose at least one topic</a>' in page.text
    assert 'id="topics-error"' in page.text
    service = ProfileService(db, signed_in.member)
    assert await service.mentee() is None
    assert await service.mentor() is None
