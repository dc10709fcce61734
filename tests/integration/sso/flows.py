"""Steps of a sign-in as a browser takes them, and what a refused sign-in must leave behind."""

from __future__ import annotations

from collections.abc import Iterable

import httpx
import redis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.sso.store import PREFIX
from orgs.people.members import Member
from tests import services
from tests.integration.sso.idp import NODE_BASE, authorize_at_idp, split

Browser = AsyncTestClient[Litestar]


async def start_login(browser: Browser, slug: str) -> str:
    """GET /orgs/{slug}/login; the IdP's authorization URL it redirects to."""
    response = await browser.get(f"/orgs/{slug}/login")
    assert response.status_code == 302, response.text
    location: str = response.headers["location"]
    return location


async def deliver(
    browser: Browser,
    callback_url: str,
    *,
    to_slug: str | None = None,
    drop: Iterable[str] = (),
    json: bool = False,
    **override: str,
) -> httpx.Response:
    """Bring the IdP's answer to the node (optionally to another org's callback, or altered)."""
    path, query = split(callback_url)
    if to_slug is not None:
        path = f"/orgs/{to_slug}/callback"
    for name in drop:
        query.pop(name, None)
    query.update(override)
    headers = {"Accept": "application/json"} if json else {"Accept": "text/html"}
    return await browser.get(path, params=query, headers=headers)


async def sign_in(
    browser: Browser, slug: str, account: str, node: str = NODE_BASE
) -> httpx.Response:
    """The whole sign-in; the node's answer to the callback."""
    callback = await authorize_at_idp(await start_login(browser, slug), account, node)
    return await deliver(browser, callback)


def assert_signed_in(response: httpx.Response, slug: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/orgs/{slug}/"


def assert_refused(response: httpx.Response, status: int, *phrases: str) -> None:
    """A clear page (not a 500, no stack trace) saying why."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    for phrase in phrases:
        assert phrase in text, text
    assert "Traceback" not in text


async def member_count(db: AsyncSession) -> int:
    await db.rollback()  # see what the app committed
    count = await db.scalar(select(func.count()).select_from(Member))
    await db.rollback()
    return int(count or 0)


def session_keys() -> list[str]:
    client = redis.Redis.from_url(services.REDIS_URL)
    try:
        return [k.decode() for k in client.scan_iter(f"{PREFIX}session:*")]
    finally:
        client.close()


async def assert_nothing_left(db: AsyncSession, members_before: int = 0) -> None:
    """A refused sign-in provisions nobody and opens no session."""
    assert await member_count(db) == members_before
    assert session_keys() == []
