"""Prometheus metrics: a scrape after a real journey finds the counters moved, the node-wide
gauges say what the database holds, two workers answer for the whole node, and nobody without
the metrics token learns that the endpoint exists."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.outbox import Outbox
from federation.signing import new_jti, sign
from network.app import create_app
from network.config import Settings
from network.demo.people import dev_people
from network.demo.seed import seed_demo
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from network.http.dev_idp import configure_dev_sso
from network.sso.flow import SsoRuntime
from orgs.pairing.requests import MentoringRequest
from tests import services
from tests.integration.relationships.builders import jobs, send, world
from tests.integration.sso.test_dev_idp import sign_in_as
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, enqueue, handle

TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 for a counter not yet incremented (it has no series yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient | AsyncTestClient[Litestar]) -> Samples:
    response = await client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(response.text)


@pytest.fixture
def metered(settings: Settings) -> Settings:
    return replace(settings, metrics_token=TOKEN)


@pytest.fixture
def app(metered: Settings) -> Litestar:
    return create_app(metered)


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url=services.BASE_URL) as client:
        client.follow_redirects = False
        yield client


# --- never public ----------------------------------------------------------------------------


async def test_without_the_token_the_endpoint_answers_like_a_path_that_does_not_exist(
    settings: Settings, browser: AsyncTestClient[Litestar]
) -> None:
    unknown = await browser.get("/no-such-path", headers={"Accept": "application/json"})
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-wrong-token-wrong-token-0"},
        {"Authorization": TOKEN},  # the token, but not as a bearer
        {"Authorization": f"Bearer {TOKEN}x"},
    ):
        refused = await browser.get("/metrics", headers={"Accept": "application/json", **headers})
        assert refused.status_code == 404 == unknown.status_code, headers
        assert refused.headers["content-type"] == unknown.headers["content-type"]
        assert refused.json()["type"] == unknown.json()["type"]
        assert "mentornet_" not in refused.text
    assert (await browser.get("/metrics", headers=BEARER)).status_code == 200
    schema = (await browser.get("/schema/openapi.json")).json()
    assert not [path for path in schema["paths"] if "metrics" in path]


async def test_a_node_without_a_metrics_token_serves_no_metrics_to_anyone(
    settings: Settings,
) -> None:
    async with AsyncTestClient(create_app(settings), base_url=services.BASE_URL) as client:
        for headers in ({}, BEARER, {"Authorization": "Bearer "}):
            assert (await client.get("/metrics", headers=headers)).status_code == 404


# --- a journey, then a scrape ----------------------------------------------------------------


async def test_sign_ins_refusals_and_requests_are_counted_by_org_route_and_status(
    app: Litestar,
    browser: AsyncTestClient[Litestar],
    db: AsyncSession,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await seed_demo(db)
    slug, *_ = await configure_dev_sso(db, settings, tmp_path / "dev-idp")
    await db.commit()
    SsoRuntime.of(app.state).idp.transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    before = await scrape(browser)

    signed_in = await sign_in_as(browser, slug, dev_people(slug)[0].sub)
    assert signed_in.status_code == 303, signed_in.text
    assert (await browser.get("/api/v1/me")).status_code == 200
    no_state = await browser.get(f"/orgs/{slug}/callback", headers={"Accept": "application/json"})
    assert no_state.status_code == 401
    nowhere = await browser.get("/orgs/no-such-org/callback?state=x")
    assert nowhere.status_code == 401
    after = await scrape(browser)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("mentornet_sign_ins_total", org=slug) == 1
    refused = "mentornet_sign_in_refusals_total"
    assert moved(refused, org=slug, reason="sign-in-failed") == 1
    # A slug from the path is a label only if such an org exists: no series per typo.
    assert moved(refused, org="unknown", reason="sign-in-failed") == 1
    assert not [labels for name, labels in after if ("org", "no-such-org") in labels]
    me = {"method": "GET", "route": "/api/v1/me"}
    assert moved("mentornet_http_requests_total", **me, status="200") == 1
    assert moved("mentornet_http_request_duration_seconds_count", **me) == 1
    callback = {"method": "GET", "route": "/orgs/{slug}/callback"}
    assert moved("mentornet_http_requests_total", **callback, status="401") == 2
    assert moved("mentornet_http_requests_total", **callback, status="303") == 1
    # Paths the router does not know share one series, whatever they are.
    assert not [labels for name, labels in after if ("route", "/no-such-path") in labels]
    assert value(after, "mentornet_db_pool_connections", state="size") >= settings.db_pool_size


async def test_jobs_lag_and_queued_emails_are_read_from_the_database(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    w = await world(db)
    [request] = await send(client, w, "mentor1")
    quiet = await scrape(client)
    assert value(quiet, "mentornet_jobs_lag_seconds", job="expire_requests") == 0
    assert value(quiet, "mentornet_emails_queued") >= 1  # the mentor is told of the request
    # The request's answer date passed an hour ago and no job has expired it yet.
    await db.execute(
        update(MentoringRequest)
        .where(MentoringRequest.id == request["id"])
        .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
    )
    await db.commit()
    late = await scrape(client)
    assert 3600 <= value(late, "mentornet_jobs_lag_seconds", job="expire_requests") < 3700
    await jobs(db, datetime.now(UTC))
    caught_up = await scrape(client)
    assert value(caught_up, "mentornet_jobs_lag_seconds", job="expire_requests") == 0


async def test_a_peer_that_is_down_shows_in_the_breaker_and_dead_letter_gauges(
    ours: Node, metered: Settings
) -> None:
    down = Identity(f"http://127.0.0.1:{free_port()}", ("camden",))  # nothing listens there
    await down.pinned_by(ours)
    async with ours.runtime.sessionmaker() as session, session.begin():
        Outbox(session).enqueue(down.node_id, "card.revoke", {"handles": [handle()]})
    app = create_app(replace(metered, database_url=ours.settings.database_url))
    async with AsyncTestClient(app, base_url=services.BASE_URL) as scraper:
        first = await scrape(scraper)
        assert value(first, "mentornet_federation_outbox_pending", peer=down.node_id) == 1
        assert value(first, "mentornet_federation_peer_breaker_open", peer=down.node_id) == 0
        start = datetime.now(UTC)
        async with httpx.AsyncClient(timeout=2) as client:
            for minute in range(5):  # one probe a minute, each refused by a closed port
                await deliver_due(ours.runtime, start + timedelta(minutes=minute), client)
            open_ = await scrape(scraper)
            await deliver_due(ours.runtime, start + timedelta(hours=49), client)
        dead = await scrape(scraper)
    assert value(open_, "mentornet_federation_peer_breaker_open", peer=down.node_id) == 1
    assert value(open_, "mentornet_federation_peer_consecutive_failures", peer=down.node_id) == 5
    assert (
        value(
            open_, "mentornet_federation_deliveries_total", peer=down.node_id, outcome="unreachable"
        )
        - value(
            first, "mentornet_federation_deliveries_total", peer=down.node_id, outcome="unreachable"
        )
        == 5
    )
    assert value(dead, "mentornet_federation_outbox_dead_letters", peer=down.node_id) == 1
    assert value(dead, "mentornet_federation_outbox_pending", peer=down.node_id) == 0


async def test_two_workers_answer_for_the_whole_node_after_a_federation_journey(
    ours: Node, theirs: Node, peer_port: int, metered: Settings
) -> None:
    """Theirs runs as in production (two Granian worker processes); whichever worker answers a
    scrape reports both. Ours is scraped in-process."""
    await theirs.pin(ours)
    await ours.pin(theirs)
    peer = theirs.settings.base_url
    mids = await enqueue(ours, theirs, 2)
    ours_app = create_app(replace(metered, database_url=ours.settings.database_url))
    live_settings = replace(theirs.settings, metrics_token=TOKEN)
    async with AsyncTestClient(ours_app, base_url=services.BASE_URL) as scraper:
        queued = await scrape(scraper)
        with live_node(live_settings, "--workers", "2", port=peer_port):
            async with httpx.AsyncClient(timeout=10) as client:
                report = await deliver_due(ours.runtime, datetime.now(UTC), client)
                assert (report.delivered, report.failed) == (2, 0), report.errors
                pulled = await pull_feed(ours.runtime, peer, client)
                assert pulled.error is None
                await _refused_messages(ours, theirs, client)
                scrapes = []
                for _ in range(6):  # new connections: the workers take turns
                    async with httpx.AsyncClient(base_url=peer, timeout=10) as fresh:
                        scrapes.append(await scrape(fresh))
        delivered = await scrape(scraper)

    assert value(queued, "mentornet_federation_outbox_pending", peer=peer) == 2
    assert value(queued, "mentornet_federation_outbox_oldest_age_seconds", peer=peer) > 0
    assert value(delivered, "mentornet_federation_outbox_pending", peer=peer) == 0
    assert value(delivered, "mentornet_federation_outbox_oldest_age_seconds", peer=peer) == 0
    counted = "mentornet_federation_deliveries_total"
    assert value(delivered, counted, peer=peer, outcome="delivered") - value(
        queued, counted, peer=peer, outcome="delivered"
    ) == len(mids)
    assert 0 <= value(delivered, "mentornet_federation_feed_age_seconds", peer=peer) < 60
    assert value(delivered, "mentornet_federation_feed_last_pull_ok", peer=peer) == 1
    assert value(delivered, "mentornet_federation_remote_cards", peer=peer) == 0

    # Theirs is a fresh process group: its counts are the journey's alone, in every scrape.
    inbox = {"method": "POST", "route": "/federation/v1/inbox"}
    for samples in scrapes:
        assert value(samples, "mentornet_federation_inbox_messages_total", outcome="stored") == 2
        refusals = "mentornet_federation_inbox_refusals_total"
        assert value(samples, refusals, reason="bad-signature") == 1
        assert value(samples, refusals, reason="unknown-key") == 1
        assert value(samples, "mentornet_http_requests_total", **inbox, status="202") == 2
        assert value(samples, "mentornet_http_requests_total", **inbox, status="401") == 2
        feed = {"method": "GET", "route": "/federation/v1/cards", "status": "200"}
        assert value(samples, "mentornet_http_requests_total", **feed) == 1
        # Both workers' pools: the sum proves the scrape saw both processes.
        size = value(samples, "mentornet_db_pool_connections", state="size")
        assert size == 2 * theirs.settings.db_pool_size
    assert await theirs.inbox_count() == 2  # the refused messages stored nothing


async def _refused_messages(ours: Node, theirs: Node, client: httpx.AsyncClient) -> None:
    """A pinned peer's message altered on the way, and a message from a node nobody pinned."""
    now = int(time.time())
    genuine = sign(
        wire.CardRevoke(
            iss=ours.settings.base_url,
            aud=theirs.settings.base_url,
            iat=now,
            exp=now + 60,
            jti=new_jti(),
            mid=new_jti(),
            handles=(handle(),),
        ),
        (await ours.ring()).active,
    )
    head, body, signature = genuine.split(".")
    altered = f"{head}.{body[:-4]}{'AAAA' if body[-4:] != 'AAAA' else 'BBBB'}.{signature}"
    stranger = Identity("http://127.0.0.1:9", ("nobody",))
    unpinned = stranger.sign(stranger.message(wire.CardRevoke, theirs, handles=(handle(),)))
    for token in (altered, unpinned):
        response = await client.post(
            f"{theirs.settings.base_url}/federation/v1/inbox", content=token
        )
        assert response.status_code == 401, response.text
