"""Rate limits that protect a shared node (issue 20.6): per org token, per member session, per
peer, and sign-in starts per client address; 429 problem+json (or a page) with Retry-After;
counted in Redis so every worker of a node shares one count; a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from network.app import create_app
from network.config import Settings, SettingsError, load_settings
from network.federation.wiring import INBOX_PATH
from orgs.models import OrgApiToken
from tests import services
from tests.integration.network.helpers import assert_problem, member_of, org_with_token
from tests.live import free_port
from tests.nodes import Identity, node


@asynccontextmanager
async def node_client(
    settings: Settings, **limits: str
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(replace(settings, **limits))
    async with AsyncTestClient(app, base_url=services.BASE_URL) as client:
        yield client


def retry_after(response: object) -> int:
    value = int(response.headers["Retry-After"])  # type: ignore[attr-defined]
    assert 1 <= value <= 60
    return value


def counted(name: str, scope: str) -> float:
    return REGISTRY.get_sample_value(name + "_total", {"scope": scope}) or 0.0


async def test_an_org_token_past_its_limit_gets_429_and_changes_nothing(
    settings: Settings, db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    other = await org_with_token(db, "brent")
    refused_before = counted("mentornet_rate_limited", "token")
    async with node_client(settings, rate_limit_token="3/minute") as client:
        for _ in range(3):
            assert (
                await client.get("/api/v1/orgs/brent", headers=brent.headers)
            ).status_code == 200
        tokens_before = set((await db.scalars(select(OrgApiToken.id))).all())
        refused = await client.post(
            "/api/v1/orgs/brent/tokens", json={"role": "admin", "label": "x"}, headers=brent.headers
        )
        # Another token of the same org has an allowance of its own.
        second = await client.get("/api/v1/orgs/brent", headers=other.headers)

    body = assert_problem(refused, 429, "too-many-requests")
    assert "this API token" in body["detail"]
    assert retry_after(refused) >= 1
    db.expire_all()
    assert set((await db.scalars(select(OrgApiToken.id))).all()) == tokens_before
    assert second.status_code == 200
    assert counted("mentornet_rate_limited", "token") == refused_before + 1


async def test_a_session_past_its_limit_gets_a_page_or_problem_and_others_are_unaffected(
    settings: Settings, db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    alice = await member_of(db, brent, "alice")
    bob = await member_of(db, brent, "bob")
    async with node_client(settings, rate_limit_session="2/minute") as client:
        for _ in range(2):
            ok = await client.get("/api/v1/me", headers=alice)
            assert ok.status_code == 200, ok.text
        api = await client.get("/api/v1/me", headers=alice)
        page = await client.get("/orgs/brent/", headers={**alice, "Accept": "text/html"})
        bob_ok = await client.get("/api/v1/me", headers=bob)

    assert_problem(api, 429, "too-many-requests")
    assert "your session" in api.json()["detail"]
    assert page.status_code == 429
    assert page.headers["content-type"].startswith("text/html")
    assert "try again in" in page.text
    retry_after(page)
    assert bob_ok.status_code == 200


async def test_every_worker_of_a_node_shares_one_count(
    settings: Settings, db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    async with (
        node_client(settings, rate_limit_token="3/minute") as one,
        node_client(settings, rate_limit_token="3/minute") as two,
    ):
        assert (await one.get("/api/v1/orgs/brent", headers=brent.headers)).status_code == 200
        assert (await two.get("/api/v1/orgs/brent", headers=brent.headers)).status_code == 200
        assert (await one.get("/api/v1/orgs/brent", headers=brent.headers)).status_code == 200
        refused = await two.get("/api/v1/orgs/brent", headers=brent.headers)
    assert_problem(refused, 429, "too-many-requests")


async def test_sign_in_starts_are_limited_per_client_address(
    settings: Settings, db: AsyncSession
) -> None:
    await org_with_token(db, "brent")
    async with node_client(settings, rate_limit_sign_in="2/minute") as client:
        first = [await client.get("/orgs/brent/login") for _ in range(2)]
        refused = await client.get("/orgs/brent/login")
    assert all(r.status_code != 429 for r in first)
    assert refused.status_code == 429
    assert "sign-in attempts from your address" in refused.text
    retry_after(refused)


async def test_a_peer_past_its_limit_gets_429_and_nothing_is_stored(settings: Settings) -> None:
    here = node(settings, services.BASE_URL)
    try:
        peer = Identity(f"http://127.0.0.1:{free_port()}", ("harrow",))
        forger = Identity(peer.node_id, ("harrow",))  # the peer's name, another key
        await peer.pinned_by(here)

        def revoke(sender: Identity) -> str:
            return sender.sign(sender.message(wire.CardRevoke, here, handles=("h" * 43,)))

        jose: Callable[[str], dict[str, object]] = lambda token: {  # noqa: E731
            "content": token,
            "headers": {"Content-Type": "application/jose"},
        }
        async with node_client(settings, rate_limit_peer="2/minute") as client:
            # Forged messages in the peer's name are refused before they count against it.
            for _ in range(3):
                forged = await client.post(INBOX_PATH, **jose(revoke(forger)))  # type: ignore[arg-type]
                assert forged.status_code == 401, forged.text
            for _ in range(2):
                taken = await client.post(INBOX_PATH, **jose(revoke(peer)))  # type: ignore[arg-type]
                assert taken.status_code == 202, taken.text
            stored = await here.inbox_count()
            refused = await client.post(INBOX_PATH, **jose(revoke(peer)))  # type: ignore[arg-type]
        assert_problem(refused, 429, "too-many-requests")
        retry_after(refused)
        assert await here.inbox_count() == stored == 2
    finally:
        await here.runtime.close()


async def test_a_redis_fault_lets_requests_through_and_is_counted(
    settings: Settings, db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    faults_before = counted("mentornet_rate_limit_faults", "token")
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with node_client(
        replace(settings, redis_url=dead_redis, redis_timeout_s=0.5), rate_limit_token="1/minute"
    ) as client:
        answers = [await client.get("/api/v1/orgs/brent", headers=brent.headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert counted("mentornet_rate_limit_faults", "token") == faults_before + 3


async def test_off_disables_a_limit(settings: Settings, db: AsyncSession) -> None:
    brent = await org_with_token(db, "brent")
    async with node_client(settings, rate_limit_token="off") as client:
        answers = [await client.get("/api/v1/orgs/brent", headers=brent.headers) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}


@pytest.mark.parametrize("text", ["100", "ten/minute", "5/fortnight", "0/minute", "-1/second"])
def test_a_bad_rate_names_the_variable_and_the_form(text: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"MENTORNET_RATE_LIMIT_SESSION": text})
    assert refused.value.problems == [
        "MENTORNET_RATE_LIMIT_SESSION: must be <count>/second, <count>/minute, <count>/hour or off"
    ]


def test_rates_round_trip_through_the_environment() -> None:
    settings = load_settings(
        {"MENTORNET_RATE_LIMIT_PEER": "50/Second", "MENTORNET_RATE_LIMIT_TOKEN": "off"}
    )
    assert (settings.rate_limit_peer, settings.rate_limit_token) == ("50/second", "off")
