"""Sessions after sign-in: time-outs (explicit clock), sign-out, CSRF, and org boundaries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from network.sso.flow import SsoRuntime
from network.sso.sessions import ABSOLUTE_TIMEOUT_S, IDLE_TIMEOUT_S
from orgs.models import TokenRole
from tests.integration.network.helpers import assert_problem, org_with_token
from tests.integration.sso.conftest import Clock, SsoOrgs
from tests.integration.sso.flows import Browser, assert_signed_in, session_keys, sign_in
from tests.integration.sso.idp import IdpServer


async def test_an_idle_session_ends(browser: Browser, sso_orgs: SsoOrgs, clock: Clock) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")
    clock.advance(IDLE_TIMEOUT_S - 60)
    assert (await browser.get("/api/v1/me")).status_code == 200  # activity keeps it alive
    clock.advance(IDLE_TIMEOUT_S - 60)
    assert (await browser.get("/api/v1/me")).status_code == 200
    clock.advance(IDLE_TIMEOUT_S + 1)
    assert_problem(await browser.get("/api/v1/me"), 401, "unauthenticated")
    assert session_keys() == []  # an ended session is removed, not just refused


async def test_a_session_ends_after_the_absolute_time_out_however_busy(
    browser: Browser, sso_orgs: SsoOrgs, clock: Clock
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")
    elapsed = 0
    while elapsed + 20 * 60 < ABSOLUTE_TIMEOUT_S:
        clock.advance(20 * 60)
        elapsed += 20 * 60
        assert (await browser.get("/api/v1/me")).status_code == 200
    clock.advance(ABSOLUTE_TIMEOUT_S - elapsed + 1)
    assert (await browser.get("/api/v1/me")).status_code == 401
    assert session_keys() == []


async def test_sign_out_ends_the_session_and_signs_out_at_the_idp(
    browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")
    csrf = (await browser.get("/api/v1/me")).json()["csrf_token"]
    response = await browser.post("/orgs/brent/logout", data={"csrf_token": csrf})
    assert response.status_code == 303, response.text
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == idp.issuers["brent"]
    assert target.path == "/session/end"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:8000/orgs/brent/signed-out"]
    assert query["client_id"] == ["mentornet-brent"]
    assert query["id_token_hint"]
    assert session_keys() == []
    assert (await browser.get("/api/v1/me")).status_code == 401
    assert "You have signed out" in (await browser.get("/orgs/brent/signed-out")).text


async def test_sign_out_works_when_the_idp_is_down(
    app: Litestar, browser: Browser, sso_orgs: SsoOrgs
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")
    csrf = (await browser.get("/api/v1/me")).json()["csrf_token"]
    sso = SsoRuntime.of(app.state)
    sso.idp.forget(sso_orgs.brent.id)  # nothing cached: sign-out must ask the IdP

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sso.idp.transport = httpx.MockTransport(refuse)
    response = await browser.post("/orgs/brent/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/orgs/brent/signed-out"
    assert session_keys() == []


async def test_sign_out_without_the_csrf_token_is_refused(
    browser: Browser, sso_orgs: SsoOrgs
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")
    refused = await browser.post(
        "/orgs/brent/logout", data={"csrf_token": "guess"}, headers={"Accept": "text/html"}
    )
    assert refused.status_code == 403
    assert "security token" in refused.text
    assert (await browser.get("/api/v1/me")).status_code == 200  # still signed in


async def test_unsafe_requests_with_the_session_cookie_need_the_csrf_token(
    browser: Browser, sso_orgs: SsoOrgs
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "bola"), "brent")  # an org admin
    me = (await browser.get("/api/v1/me")).json()
    assert "org_admin" in me["roles"]
    current = (await browser.get("/api/v1/orgs/brent/sso")).json()["settings"]

    missing = await browser.put("/api/v1/orgs/brent/sso", json=current)
    assert_problem(missing, 403, "csrf-refused")
    wrong = await browser.put(
        "/api/v1/orgs/brent/sso", json=current, headers={"X-CSRF-Token": "nope"}
    )
    assert_problem(wrong, 403, "csrf-refused")
    cross_site = await browser.put(
        "/api/v1/orgs/brent/sso",
        json=current,
        headers={"X-CSRF-Token": me["csrf_token"], "Origin": "https://evil.example"},
    )
    assert_problem(cross_site, 403, "csrf-refused")
    ok = await browser.put(
        "/api/v1/orgs/brent/sso",
        json=current,
        headers={"X-CSRF-Token": me["csrf_token"], "Origin": "http://127.0.0.1:8000"},
    )
    assert ok.status_code == 200, ok.text


async def test_bearer_token_requests_are_exempt_from_csrf(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    admin = await org_with_token(db, "brent", TokenRole.ADMIN)
    current = (await browser.get("/api/v1/orgs/brent/sso", headers=admin.headers)).json()
    response = await browser.put(
        "/api/v1/orgs/brent/sso", json=current["settings"], headers=admin.headers
    )
    assert response.status_code == 200, response.text


async def test_a_member_of_one_org_cannot_act_in_another(
    browser: Browser, sso_orgs: SsoOrgs
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "bola"), "brent")  # brent's org admin
    csrf = (await browser.get("/api/v1/me")).json()["csrf_token"]
    assert (await browser.get("/api/v1/orgs/brent/sso")).status_code == 200
    other = await browser.get("/api/v1/orgs/harrow/sso")
    missing = await browser.get("/api/v1/orgs/nowhere/sso")
    assert_problem(other, 404, "not-found")
    assert_problem(missing, 404, "not-found")
    put = await browser.put("/api/v1/orgs/harrow/sso", json={}, headers={"X-CSRF-Token": csrf})
    assert put.status_code in (400, 404)  # never applied: the body or the org is refused
    put_valid = await browser.put(
        "/api/v1/orgs/harrow/sso",
        json={"issuer": "https://x.example", "client_id": "x", "client_secret_ref": "env:X"},
        headers={"X-CSRF-Token": csrf},
    )
    assert_problem(put_valid, 404, "not-found")
    logout = await browser.post(
        "/orgs/harrow/logout", data={"csrf_token": csrf}, headers={"Accept": "application/json"}
    )
    assert_problem(logout, 404, "not-found")
    account = await browser.get("/orgs/harrow/account")
    assert "You are not signed in" in account.text
    assert (await browser.get("/api/v1/me")).json()["org"] == "brent"


async def test_only_an_org_admin_reads_the_sso_settings(
    browser: Browser, sso_orgs: SsoOrgs
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")  # a plain member
    assert_problem(await browser.get("/api/v1/orgs/brent/sso"), 403, "forbidden")
