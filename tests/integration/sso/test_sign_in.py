"""Signing in through each org's own IdP: the good path against the real oidc-provider."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.sso.conftest import SsoOrgs
from tests.integration.sso.idp import IdpServer, authorize_at_idp, split


async def test_good_sign_in(
    browser: AsyncTestClient[Litestar], sso_orgs: SsoOrgs, idp: IdpServer
) -> None:
    login = await browser.get("/orgs/brent/login")
    assert login.status_code == 302, login.text
    callback = await authorize_at_idp(login.headers["location"], "alice")
    path, query = split(callback)
    response = await browser.get(path, params=query)
    assert response.status_code == 303, response.text
    me = await browser.get("/api/v1/me")
    assert me.status_code == 200, me.text
    print(me.json())
