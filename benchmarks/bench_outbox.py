"""The outbox draining to many peers while some are down (issue 20.5): N messages queued for
100 peers, 10 of them down (5 refuse connections, 5 accept and never answer), delivered by the
node's own delivery loop (``network.federation.delivery.delivery_loop``) over real HTTP to a
stand-in inbox server (``benchmarks.inbox_sink`` under Granian) for the peers that are up.

Printed: the time until every message to a peer that is up was taken, messages per second,
what the receivers saw (each exactly once, in queue order), and the same drain with every
peer up, measured in the same run: the ratio says how much the down peers slow the others.

Run as ``python -m benchmarks.bench_outbox [--messages N] [--peers P] [--down D]``; uses a
scratch database ``mentornet_bench_<namespace>outbox`` on the server of
``MENTORNET_TEST_DATABASE_URL``, dropped and created afresh for each drain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, insert, select

from benchmarks.scratch_database import recreate
from federation.outbox import OutboxMessage, OutboxStatus
from federation.peer_registry import PeerRegistry
from federation.signing import new_jti
from network import migrate
from network.app import build_runtime
from network.config import Settings
from network.federation.delivery import delivery_loop
from network.federation.wiring import node_keys, now_s
from network.logs import configure_logging
from network.runtime import Runtime
from tests.live import free_port
from tests.nodes import Identity

REDIS = os.environ.get("MENTORNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@dataclass(frozen=True)
class Drain:
    label: str
    messages_up: int
    seconds: float
    taken: int
    repeats: int
    out_of_order: int

    def line(self) -> str:
        return (
            f"| {self.label} | {self.messages_up:,} | {self.seconds:.1f} s | "
            f"{self.messages_up / self.seconds:,.0f} | {self.taken:,} | {self.repeats} | "
            f"{self.out_of_order} |"
        )


async def silent_server() -> tuple[asyncio.Server, int]:
    """Accepts connections and never answers: a peer whose machine hangs."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                pass
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def pin_peers(runtime: Runtime, urls: list[str]) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await node_keys(session, runtime.settings).ensure(now_s())
        registry = PeerRegistry(session)
        for url in urls:
            peer = Identity(url, ())
            await registry.add(
                peer.document(), url=url, fingerprint=peer.key.public.fingerprint, now=now_s()
            )


async def enqueue(runtime: Runtime, urls: list[str], messages: int) -> None:
    """``messages`` card revocations, round robin over the peers, each numbered in its peer's
    queue order (the sink checks the order), queued as one bulk insert per batch."""
    start = datetime.now(UTC) - timedelta(seconds=1)
    rows = []
    for n in range(messages):
        peer, seq = urls[n % len(urls)], n // len(urls)
        rows.append(
            {
                "mid": new_jti(),
                "peer": peer,
                "message_type": "card.revoke",
                "body": {"handles": [f"{seq:043d}"]},
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": start,
                "last_error": "",
                "created_at": start + timedelta(microseconds=n),
            }
        )
    async with runtime.sessionmaker() as session, session.begin():
        for i in range(0, len(rows), 5000):
            await session.execute(insert(OutboxMessage), rows[i : i + 5000])


async def pending_to(runtime: Runtime, urls: list[str]) -> int:
    async with runtime.sessionmaker() as session:
        query = select(func.count()).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.peer.in_(urls)
        )
        return int(await session.scalar(query) or 0)


async def drain(label: str, messages: int, peers: int, down: int, sink: str) -> Drain:
    url = await recreate("outbox")
    settings = Settings(
        database_url=url,
        redis_url=REDIS,
        log_level="WARNING",
        outbox_worker=False,
        jobs_worker=False,
    )
    configure_logging(settings)  # as the node does: WARNING, so no line per delivery
    await asyncio.to_thread(migrate.upgrade, settings)
    silent, silent_port = await silent_server()
    refused_port = free_port()  # nothing listens there
    up = [f"{sink}/p{i}" for i in range(peers - down)]
    gone = [f"http://127.0.0.1:{refused_port if i % 2 else silent_port}/d{i}" for i in range(down)]
    runtime = build_runtime(settings)
    try:
        await pin_peers(runtime, up + gone)
        await enqueue(runtime, up + gone, messages)
        messages_up = await pending_to(runtime, up)
        started = time.perf_counter()
        loop = asyncio.create_task(delivery_loop(runtime))
        try:
            while await pending_to(runtime, up):  # noqa: ASYNC110 - polling the database
                await asyncio.sleep(0.25)
            seconds = time.perf_counter() - started
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
    finally:
        await runtime.close()
        silent.close()
    async with httpx.AsyncClient(timeout=10) as client:
        stats = (await client.get(f"{sink}/stats")).json()
    seen = [stats.get(u.rsplit("/", 1)[1], {}) for u in up]
    return Drain(
        label,
        messages_up,
        seconds,
        sum(s.get("taken", 0) for s in seen),
        sum(s.get("repeats", 0) for s in seen),
        sum(s.get("out_of_order", 0) for s in seen),
    )


def start_sink() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    granian = os.path.join(os.path.dirname(sys.executable), "granian")
    command = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", "1", "--log-level", "warning", "benchmarks.inbox_sink:app"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/stats", timeout=1).status_code == 200:
                return process, url
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the inbox sink did not start")


async def main(args: argparse.Namespace) -> None:
    print(
        f"outbox drain: {args.messages:,} messages to {args.peers} peers, "
        f"{args.down} down (half refuse connections, half never answer)\n"
    )
    print(
        "| run | messages to peers that are up | drain | msg/s | taken | repeats | out of order |"
    )
    print("|---|---|---|---|---|---|---|")
    results = []
    for label, down in ((f"{args.down} peers down", args.down), ("reference: all up", 0)):
        sink, url = start_sink()  # a fresh sink per drain: its counts are that drain's
        try:
            result = await drain(label, args.messages, args.peers, down, url)
        finally:
            sink.terminate()
            sink.wait(timeout=15)
        results.append(result)
        print(result.line(), flush=True)
    with_down, reference = results
    per_message = (with_down.seconds / with_down.messages_up) / (
        reference.seconds / reference.messages_up
    )
    print(
        f"\nper message to a peer that is up, {args.down} peers down vs all up: "
        f"{per_message:.2f}× the time"
    )
    lost = with_down.messages_up - with_down.taken
    print(
        f"lost: {lost}, delivered twice: {with_down.repeats}, "
        f"out of order: {with_down.out_of_order}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--peers", type=int, default=100)
    parser.add_argument("--down", type=int, default=10)
    asyncio.run(main(parser.parse_args()))
