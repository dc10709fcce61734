"""What a large staff import does to the other requests of a node: a real ``mentornet serve
--workers 1`` on PostgreSQL, a 100,000-row HR export sent to ``POST /staff/import`` while cheap
requests (``GET /health/live`` and ``GET /api/v1/orgs/{slug}``) keep going to the same worker.

Run as ``python -m benchmarks.bench_import_latency [--rows N]``. Uses a scratch database
``mentornet_bench_<namespace>latency`` on the server of ``MENTORNET_TEST_DATABASE_URL``,
dropped and created afresh.

before: the import runs in the request (the inline limit raised above the file), as every
import did before imports became jobs. after: the node's defaults, so the import answers 202
and a child process of the worker runs it; the probes go on until its status says done.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from msgspec.structs import replace

from benchmarks.bench_import import export
from benchmarks.scratch_database import recreate
from network import migrate
from network.config import Settings
from network.db import create_engine, create_sessionmaker
from orgs.models import TokenRole
from orgs.registry import OrgRegistry
from orgs.tokens import TokenService
from tests.live import live_node

PROBE_EVERY_S = 0.02
IDLE_S = 3.0


@dataclass
class Probes:
    """Latencies (seconds) of the cheap requests sent while something ran."""

    seconds: list[float] = field(default_factory=list)

    def line(self, label: str, wall_s: float | None = None) -> str:
        s = sorted(self.seconds)
        p95 = s[min(len(s) - 1, int(len(s) * 0.95))]
        took = f"{wall_s:7.1f} s" if wall_s is not None else "      - "
        return (
            f"{label:<34} {took}  {len(s):6,} probes  p50 {statistics.median(s) * 1000:7.1f} ms"
            f"  p95 {p95 * 1000:7.1f} ms  max {s[-1] * 1000:7.1f} ms"
        )

    @property
    def p95(self) -> float:
        s = sorted(self.seconds)
        return s[min(len(s) - 1, int(len(s) * 0.95))]

    @property
    def max(self) -> float:
        return max(self.seconds)


async def probe(client: httpx.AsyncClient, paths: list[str], stop: asyncio.Event) -> Probes:
    """Cheap requests one after another (each waits for the last) until ``stop``."""
    probes = Probes()
    turn = 0
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.get(paths[turn % len(paths)])
        probes.seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        turn += 1
        await asyncio.sleep(PROBE_EVERY_S)
    return probes


async def org_token(settings: Settings, slug: str) -> str:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            org = await OrgRegistry(session).create(slug, slug.title())
            token, _ = await TokenService(session).create(org, TokenRole.ADMIN, "bench")
            return token
    finally:
        await engine.dispose()


async def finished(client: httpx.AsyncClient, location: str) -> Any:
    """The report of a queued import, once its status says it has ended."""
    for _ in range(2400):
        status = (await client.get(location)).json()
        if status["state"] in ("done", "failed"):
            assert status["state"] == "done", status
            return status["report"]
        await asyncio.sleep(0.5)
    raise RuntimeError(f"the import at {location} did not end in 20 minutes")


async def import_while_probing(url: str, slug: str, token: str, text: str) -> tuple[Probes, float]:
    """Send the export, probe until the import has ended; (the probes, the import's seconds)."""
    auth = {"Authorization": f"Bearer {token}"}
    paths = ["/health/live", f"/api/v1/orgs/{slug}"]
    async with (
        httpx.AsyncClient(base_url=url, timeout=600, headers=auth) as sender,
        httpx.AsyncClient(base_url=url, timeout=600, headers=auth) as prober,
    ):
        stop = asyncio.Event()
        probing = asyncio.create_task(probe(prober, paths, stop))
        started = time.perf_counter()
        response = await sender.post(
            f"/api/v1/orgs/{slug}/staff/import",
            content=text.encode(),
            headers={"Content-Type": "text/csv"},
        )
        if response.status_code == 202:
            report = await finished(sender, response.headers["location"])
        else:
            assert response.status_code == 200, response.text[:500]
            report = response.json()
        wall = time.perf_counter() - started
        stop.set()
        probes = await probing
    rows = text.count("\n") - 1
    assert report["created"] == rows, report
    return probes, wall


async def idle(url: str, token: str, slug: str) -> Probes:
    async with httpx.AsyncClient(
        base_url=url, timeout=10, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        stop = asyncio.Event()
        probing = asyncio.create_task(probe(client, ["/health/live", f"/api/v1/orgs/{slug}"], stop))
        await asyncio.sleep(IDLE_S)
        stop.set()
        return await probing


async def main(rows: int) -> None:
    url = await recreate("latency")
    settings = Settings(
        database_url=url,
        log_level="WARNING",
        outbox_worker=False,
        jobs_worker=True,
        rate_limit_token="1000000/minute",  # the probes' pace is not a script's
    )
    await asyncio.to_thread(migrate.upgrade, settings)
    text = export(rows)
    print(f"a concurrent cheap request while a {rows:,}-row staff import runs (one worker)")
    results: dict[str, tuple[Probes, float]] = {}
    for label, inline_rows in (
        ("before: import in the request", rows),
        ("after: import as a job", None),
    ):
        # Before: no statement timeout either, as before imports were jobs (a 100,000-row
        # import's statements may take longer than the web workers' limit now allows).
        node_settings = (
            replace(settings, staff_import_inline_rows=inline_rows, db_statement_timeout_s=600)
            if inline_rows is not None
            else settings
        )
        slug = "before" if inline_rows is not None else "after"
        token = await org_token(settings, slug)
        with live_node(node_settings, "--workers", "1") as node:
            if not results:
                print((await idle(node.url, token, slug)).line("idle"))
            results[label] = await import_while_probing(node.url, slug, token, text)
        print(results[label][0].line(label, results[label][1]), flush=True)
    (before, _), (after, _) = results.values()
    print(f"before / after: p95 {before.p95 / after.p95:.0f}×, max {before.max / after.max:.0f}×")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
