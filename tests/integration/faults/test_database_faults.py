"""A live node whose own PostgreSQL is stopped, restarted and frozen under load: every answer
is a success or a 503 problem with Retry-After, none waits past the configured bound, every
acknowledged write is in the database afterwards, and the node recovers by itself."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from network.config import Settings
from network.db import create_engine, create_sessionmaker
from network.http.health import CHECK_TIMEOUT_S
from tests.integration.faults.conftest import NodeLog, worst_wait_s
from tests.integration.faults.load import Load
from tests.integration.faults.servers import OwnPostgres
from tests.integration.network.helpers import org_with_token
from tests.live import live_node
from tests.services import libpq_url

STORE_DOWN = "urn:mentornet:problem:store-unavailable"


@dataclass(frozen=True)
class Admin:
    slug: str
    headers: dict[str, str]


@pytest.fixture
async def admin(node_settings: Settings) -> Admin:
    engine = create_engine(node_settings)
    async with create_sessionmaker(engine)() as session:
        org = await org_with_token(session, "faults")
    await engine.dispose()
    return Admin(org.org.slug, org.headers)


async def stored_schemes(settings: Settings) -> set[str]:
    connection = await asyncpg.connect(libpq_url(settings.database_url), timeout=5)
    try:
        return {row["slug"] for row in await connection.fetch("SELECT slug FROM schemes")}
    finally:
        await connection.close()


async def enter(loads: tuple[Load, ...], name: str, seconds: float) -> None:
    for load in loads:
        load.phase = name
    await asyncio.sleep(seconds)  # the load runs meanwhile; phases are wall-clock by nature


async def test_a_stopped_then_frozen_database_answers_503_in_bounded_time_and_loses_nothing(
    node_settings: Settings, own_pg: OwnPostgres, admin: Admin, node_log: NodeLog
) -> None:
    with live_node(node_settings, log=node_log.path) as node:

        async def create_scheme(client: httpx.AsyncClient, key: str) -> httpx.Response:
            return await client.post(
                f"{node.url}/api/v1/orgs/{admin.slug}/schemes/",
                json={"slug": f"s-{key}", "name": f"Scheme {key}"},
                headers=admin.headers,
            )

        async def ready(client: httpx.AsyncClient, _: str) -> httpx.Response:
            response = await client.get(f"{node.url}/health/ready")
            await asyncio.sleep(0.2)  # a probe's period, not a timing assumption
            return response

        writes, probes = Load(create_scheme, clients=6), Load(ready, clients=1)
        loads = (writes, probes)
        running = asyncio.gather(writes.run(), probes.run())
        try:
            await enter(loads, "up", 0)
            await writes.answered(201)
            await asyncio.to_thread(own_pg.stop)
            await enter(loads, "stopped", 1.5)
            await asyncio.to_thread(own_pg.start)
            await enter(loads, "restarted", 0)
            await writes.answered(201)
            own_pg.freeze()
            # Long enough for a statement to outlive both of the database's timeouts.
            frozen_s = (
                node_settings.db_statement_timeout_s + 1.0 + node_settings.db_connect_timeout_s
            )
            await enter(loads, "frozen", frozen_s)
            own_pg.thaw()
            await enter(loads, "thawed", 1)
            await enter(loads, "recovered", 1)
        finally:
            own_pg.thaw()
            for load in loads:
                load.stop()
            await running
        assert node.process.poll() is None  # recovered by itself, never restarted

    calls = writes.calls
    assert {call.status for call in calls} <= {201, 503}, sorted({c.status for c in calls})
    refused = [call for call in calls if call.status == 503]
    for phase in ("stopped", "frozen"):
        assert any(call.status == 503 for call in writes.in_phase(phase)), phase
    for call in refused:
        assert call.content_type == "application/problem+json"
        assert call.problem_type == STORE_DOWN
        assert call.retry_after == "5"
    slowest = max(call.seconds for call in calls)
    assert slowest < worst_wait_s(node_settings), slowest
    recovered = writes.in_phase("recovered")
    assert recovered, "no call after the database came back"
    assert all(call.status == 201 for call in recovered), [c.status for c in recovered]
    for phase in ("up", "restarted"):
        assert any(call.status == 201 for call in writes.in_phase(phase)), phase

    # Every acknowledged write is in the database; nothing refused half-happened on its own.
    acknowledged = {f"s-{call.key}" for call in calls if call.status == 201}
    assert acknowledged <= await stored_schemes(node_settings)

    # Readiness is bounded as a whole (pool checkout included) and says so while frozen.
    assert max(call.seconds for call in probes.calls) < CHECK_TIMEOUT_S + 1.0
    assert any(call.status == 503 for call in probes.in_phase("frozen"))
    assert probes.in_phase("recovered")[-1].status == 200

    # One line per refused request, and no traceback anywhere in the node's log.
    assert node_log.tracebacks() == []
    logged = node_log.events("store_unavailable")
    assert len(logged) == len(refused)
    assert {record["store"] for record in logged} == {"database"}
