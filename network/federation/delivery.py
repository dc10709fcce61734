"""Delivering the outbox to peers: one pass (``deliver_due``) and the background loop.

Every app worker may run the loop: ``Outbox.due`` locks the rows it hands out (SKIP LOCKED on
PostgreSQL), so no message is sent twice at once, and the receiver's (sender, mid) inbox makes
a retried message take effect once. Tokens are stamped with the real clock; ``now`` only
decides what is due, so tests can move time forward without forging stale tokens.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import msgspec

from federation.key_ring import NodeKey
from federation.outbox import Outbox, OutboxMessage, build_attempt
from federation.peer_registry import Peer, PeerRegistry
from federation.signing import sign
from network.federation.feed_pull import pull_all
from network.federation.wiring import node_id, node_keys, now_s
from network.logs import get_logger
from network.runtime import Runtime

JOSE = "application/jose"
RETRY_PULL_S = 30.0
log = get_logger("mentornet.federation.delivery")


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _problem_type(response: httpx.Response) -> str:
    try:
        return str(msgspec.json.decode(response.content).get("type", ""))
    except (msgspec.DecodeError, AttributeError):
        return ""


async def deliver_due(
    runtime: Runtime, now: datetime, client: httpx.AsyncClient, limit: int = 50
) -> DeliveryReport:
    report = DeliveryReport()
    async with runtime.sessionmaker() as session, session.begin():
        outbox = Outbox(session)
        rows = await outbox.due(now, limit)
        if not rows:
            return report
        ring = await node_keys(session, runtime.settings).ring()
        peers = {peer.node_id: peer for peer in await PeerRegistry(session).list()}
        me = node_id(runtime.settings)
        for row in rows:
            # Each row in its own savepoint: one that cannot be built or recorded fails alone,
            # and the rows already posted in this pass still commit as delivered.
            try:
                async with session.begin_nested():
                    await _deliver_one(client, outbox, row, peers, ring.active, me, now, report)
            except (msgspec.ValidationError, KeyError, TypeError) as exc:
                error = f"undeliverable: {type(exc).__name__}: {str(exc)[:200]}"
                async with session.begin_nested():
                    outbox.undeliverable(row, now, error)
                report.failed += 1
                report.errors.append(error)
                log.error("delivery_undeliverable", peer=row.peer, mid=row.mid, error=error)
    return report


async def _deliver_one(
    client: httpx.AsyncClient,
    outbox: Outbox,
    row: OutboxMessage,
    peers: dict[str, Peer],
    key: NodeKey,
    me: str,
    now: datetime,
    report: DeliveryReport,
) -> None:
    peer = peers.get(row.peer)
    error: str | None
    if peer is None:
        error = f"{row.peer} is not a peer of this node"
    else:
        token = sign(build_attempt(row, me=me, now=now_s()), key)
        error = await _post(client, peer.document["endpoints"]["inbox"], token)
    if error is None:
        await outbox.delivered(row, now)
        report.delivered += 1
    else:
        await outbox.failed(row, now, error)
        report.failed += 1
        report.errors.append(error)
        log.warning("delivery_failed", peer=row.peer, mid=row.mid, error=error)


async def _post(client: httpx.AsyncClient, url: str, token: str) -> str | None:
    """None on success (202), else a short reason safe to show an admin."""
    try:
        response = await client.post(url, content=token, headers={"Content-Type": JOSE})
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__} reaching {url}"
    if response.status_code == 202:
        return None
    return f"HTTP {response.status_code} {_problem_type(response)}".strip()


async def delivery_loop(
    runtime: Runtime, interval_s: float = 2.0, feed_interval_s: float = 300.0
) -> None:
    """Until cancelled: deliver what is due every ``interval_s`` and pull every peer's card
    feed every ``feed_interval_s`` (the first pull straight away; after a failed pull, again in
    30 s). One failure never stops it."""
    loop = asyncio.get_running_loop()
    next_pull = loop.time()
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            try:
                await deliver_due(runtime, datetime.now(UTC), client)
                if loop.time() >= next_pull:
                    reports = await pull_all(runtime, client)
                    # A peer that did not answer is asked again soon, not in five minutes.
                    failed = any(report.error for report in reports)
                    wait = min(RETRY_PULL_S, feed_interval_s) if failed else feed_interval_s
                    next_pull = loop.time() + wait
            except Exception as exc:
                log.error("federation_pass_failed", error_type=type(exc).__name__, exc_info=exc)
                next_pull = max(next_pull, loop.time() + RETRY_PULL_S)
            await asyncio.sleep(interval_s)
