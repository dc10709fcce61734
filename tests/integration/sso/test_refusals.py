"""Every refused sign-in: a clear answer, and no member and no session left behind.

The IdP is the real oidc-provider; each misbehaviour changes exactly one thing in its answer
(the ID token is re-signed with the provider's own key unless the key is the point).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network.sso.flow import SsoRuntime
from orgs.people.sso_config import SsoConfigService
from tests.integration.sso.conftest import Clock, SsoOrgs, sso_settings
from tests.integration.sso.flows import (
    Browser,
    assert_nothing_left,
    assert_refused,
    assert_signed_in,
    deliver,
    member_count,
    session_keys,
    sign_in,
    start_login,
)
from tests.integration.sso.idp import IdpServer, authorize_at_idp
from tests.live import free_port

ID_TOKEN_MISBEHAVIOURS: dict[str, tuple[dict[str, Any], str]] = {
    "wrong iss": ({"id_token_claims": {"iss": "https://evil.example"}}, "another issuer"),
    "wrong aud": (
        {"id_token_claims": {"aud": "someone-else"}},
        "meant for another application",
    ),
    "other azp": (
        {"id_token_claims": {"aud": "mentornet-brent", "azp": "other"}},
        "issued to another application",
    ),
    # OIDC Core 3.1.3.7 (3): an extra audience we do not trust, even with azp = ours.
    "extra untrusted aud": (
        {"id_token_claims": {"aud": ["mentornet-brent", "other"], "azp": "mentornet-brent"}},
        "application we do not trust",
    ),
    "expired": ({"id_token_offsets": {"exp": -300, "iat": -900}}, "has expired"),
    "iat in the future": (
        {"id_token_offsets": {"iat": 3600, "exp": 7200}},
        "dated in the future",
    ),
    "nbf in the future": ({"id_token_offsets": {"nbf": 3600}}, "not valid yet"),
    "bad nonce": ({"id_token_claims": {"nonce": "not-the-nonce"}}, "nonce"),
    "alg none": ({"id_token_alg": "none"}, "refused algorithm"),
    "unknown key": ({"sign_with_unknown_key": True}, "does not publish"),
}


@pytest.mark.parametrize("case", ID_TOKEN_MISBEHAVIOURS, ids=list(ID_TOKEN_MISBEHAVIOURS))
async def test_a_bad_id_token_is_refused(
    case: str, browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer, db: AsyncSession
) -> None:
    misbehaviour, reason = ID_TOKEN_MISBEHAVIOURS[case]
    idp.misbehave("brent", **misbehaviour)
    response = await sign_in(browser, "brent", "alice")
    assert_refused(response, 401, "Sign-in failed", reason)
    await assert_nothing_left(db)


async def test_a_refusal_is_problem_json_for_an_api_client(
    browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer, db: AsyncSession
) -> None:
    idp.misbehave("brent", id_token_claims={"aud": "someone-else"})
    callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    response = await deliver(browser, callback, json=True)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:mentornet:problem:sign-in-failed"
    await assert_nothing_left(db)


async def test_userinfo_describing_another_subject_is_refused(
    browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer, db: AsyncSession
) -> None:
    idp.misbehave("brent", userinfo_sub="mallory")
    response = await sign_in(browser, "brent", "alice")
    assert_refused(response, 401, "described a different person")
    await assert_nothing_left(db)


async def test_discovery_naming_another_issuer_is_refused_before_anything_starts(
    browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer, db: AsyncSession
) -> None:
    idp.misbehave("brent", discovery_issuer="https://evil.example")
    response = await browser.get("/orgs/brent/login", headers={"Accept": "text/html"})
    assert_refused(response, 401, "different issuer than the one configured")
    await assert_nothing_left(db)


async def test_a_replayed_state_is_refused(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    login_cookie = browser.cookies["mentornet_login"]
    assert_signed_in(await deliver(browser, callback), "brent")
    (session,) = session_keys()
    # Even with the very same login cookie (a copied browser), the state works only once.
    browser.cookies.clear()
    browser.cookies.set("mentornet_login", login_cookie)
    replay = await deliver(browser, callback)
    assert_refused(replay, 401, "already used")
    assert session_keys() == [session]  # the replay opened no second session
    assert await member_count(db) == 1


async def test_a_missing_state_is_refused(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    assert_refused(await deliver(browser, callback, drop=["state"]), 401, "has no state")
    await assert_nothing_left(db)


async def test_a_state_from_another_browser_session_is_refused(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    victim_callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    victim_cookie = browser.cookies["mentornet_login"]
    browser.cookies.clear()  # from here on, another browser...
    await start_login(browser, "brent")  # ...with a sign-in (and login cookie) of its own
    response = await deliver(browser, victim_callback)
    assert_refused(response, 401, "not started in this browser")
    browser.cookies.clear()  # and a browser with no login cookie at all
    assert_refused(await deliver(browser, victim_callback), 401, "did not start this sign-in")
    await assert_nothing_left(db)
    # The attempts did not burn the victim's sign-in: in the victim's browser it still works.
    browser.cookies.set("mentornet_login", victim_cookie)
    assert_signed_in(await deliver(browser, victim_callback), "brent")


async def test_an_idp_error_answer_is_shown_and_nothing_happens(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    response = await deliver(browser, callback, drop=["code"], error="access_denied")
    assert_refused(response, 401, "did not sign you in (access_denied)")
    await assert_nothing_left(db)


async def test_a_response_of_b_s_idp_at_a_s_callback_is_refused(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    harrow_callback = await authorize_at_idp(await start_login(browser, "harrow"), "hari")
    # Delivered whole to brent's callback: the state belongs to a harrow sign-in.
    response = await deliver(browser, harrow_callback, to_slug="brent")
    assert_refused(response, 401, "started for another organisation")
    await assert_nothing_left(db)


async def test_a_code_of_b_s_idp_with_a_s_state_is_refused_by_the_iss_parameter(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    """Mix-up: brent's sign-in state, but harrow's code and issuer, at brent's callback."""
    brent_callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    harrow_callback = await authorize_at_idp(await start_login(browser, "harrow"), "hari")
    harrow_query = httpx.URL(harrow_callback).params
    response = await deliver(
        browser, brent_callback, code=harrow_query["code"], iss=harrow_query["iss"]
    )
    assert_refused(response, 401, "came from another identity provider")
    await assert_nothing_left(db)


async def test_a_response_without_iss_is_refused_when_the_idp_advertises_it(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")
    response = await deliver(browser, callback, drop=["iss"])
    assert_refused(response, 401, "does not say which provider sent it")
    await assert_nothing_left(db)


async def test_key_rotation_right_after_a_cold_start_is_accepted_then_rate_limited(
    browser: Browser, sso_orgs: SsoOrgs, idp: IdpServer, db: AsyncSession, clock: Clock
) -> None:
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")  # first JWKS download
    idp.control("brent", rotate_key=True)

    # Same instant as the first download: the first refetch for an unknown kid is allowed.
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")

    # Another rotation within a minute of that refetch: no second refetch yet.
    idp.control("brent", rotate_key=True)
    clock.advance(30)
    refused = await sign_in(browser, "brent", "alice")
    assert_refused(refused, 401, "does not publish")

    clock.advance(31)  # a minute since the last fetch: one refetch finds the new key
    assert_signed_in(await sign_in(browser, "brent", "alice"), "brent")
    assert await SsoConfigService(db, sso_orgs.brent.id).find() is not None


async def test_idp_down_gives_a_clear_page_not_a_500(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    await SsoConfigService(db, sso_orgs.brent.id).set(
        sso_settings(
            f"http://127.0.0.1:{free_port()}", "brent", "env:MENTORNET_TEST_SSO_HARROW_SECRET"
        ),
        allow_http_loopback=True,
    )
    await db.commit()
    response = await browser.get("/orgs/brent/login", headers={"Accept": "text/html"})
    assert_refused(response, 503, "could not be reached", "try again")
    api = await browser.get("/orgs/brent/login", headers={"Accept": "application/json"})
    assert api.status_code == 503
    assert api.json()["type"] == "urn:mentornet:problem:idp-unavailable"
    await assert_nothing_left(db)


async def test_idp_going_down_during_the_sign_in_gives_a_clear_page(
    app: Any, browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession
) -> None:
    callback = await authorize_at_idp(await start_login(browser, "brent"), "alice")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    SsoRuntime.of(app.state).idp.transport = httpx.MockTransport(refuse)
    response = await deliver(browser, callback)
    assert_refused(response, 503, "could not be reached")
    await assert_nothing_left(db)


async def test_a_missing_client_secret_is_a_clear_page(
    browser: Browser, sso_orgs: SsoOrgs, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MENTORNET_TEST_SSO_HARROW_SECRET")
    callback = await authorize_at_idp(await start_login(browser, "harrow"), "hari")
    response = await deliver(browser, callback)
    assert_refused(response, 503, "client secret is missing")
    await assert_nothing_left(db)


async def test_an_org_without_sso_says_so(browser: Browser, sso_orgs: SsoOrgs) -> None:
    assert_refused(await browser.get("/orgs/nowhere/login", headers={"Accept": "text/html"}), 404)
