"""Delivering the outbox to peers: one pass (``deliver_due``) and the background loop.

Every app worker may run the loop: ``Outbox.due`` locks the rows it hands out (SKIP LOCKED on
PostgreSQL), so no message is sent twice at once, ``Outbox.claim`` gives each peer to one worker
at a time, so its messages go in order, and the receiver's (sender, mid) inbox makes a retried
message take effect once. A pass stops at a peer's first failure: that attempt is the one the
circuit breaker counts, and after the breaker's window the next one is its probe. Tokens are
stamped with the real clock; ``now`` only decides what is due, so tests can move time forward
without forging stale tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

import httpx
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from federation.key_ring import NodeKey
from federation.outbox import Outbox, OutboxMessage, build_attempt
from federation.peer_registry import Peer, PeerRegistry
from federation.signing import sign
from federation.trace_context import HEADER, OUTBOX_KEY, outgoing
from network.faults import log_pass_failure
from network.federation.feed_pull import pull_all
from network.federation.wiring import node_id, node_keys, now_s
from network.logs import get_logger
from network.metrics import DELIVERIES, mark_pass
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


class Outcome(Enum):
    DELIVERED = "delivered"
    REFUSED = "refused"  # the peer answered and refused this message (a 4xx)
    UNREACHABLE = "unreachable"  # no answer, or the peer is in trouble (5xx, 408, 429)


def _by_peer(rows: Sequence[OutboxMessage]) -> dict[str, list[OutboxMessage]]:
    """The rows grouped by peer, each group in queue order."""
    queues: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        queues.setdefault(row.peer, []).append(row)
    return queues


@dataclass(frozen=True)
class _Pass:
    client: httpx.AsyncClient
    session: AsyncSession
    outbox: Outbox
    peers: dict[str, Peer]
    key: NodeKey
    me: str
    now: datetime
    report: DeliveryReport


async def deliver_due(
    runtime: Runtime, now: datetime, client: httpx.AsyncClient, limit: int = 50
) -> DeliveryReport:
    """One pass: each peer's due messages in queue order, stopping at the peer's first
    failure (that attempt is the probe; the breaker counts attempts, not queued messages)."""
    report = DeliveryReport()
    async with runtime.sessionmaker() as session, session.begin():
        outbox = Outbox(session)
        rows = await outbox.due(now, limit)
        if not rows:
            return report
        ring = await node_keys(session, runtime.settings).ring()
        peers = {peer.node_id: peer for peer in await PeerRegistry(session).list()}
        work = _Pass(
            client, session, outbox, peers, ring.active, node_id(runtime.settings), now, report
        )
        for peer, queue in _by_peer(rows).items():
            if await outbox.claim(peer):  # else another worker is delivering to it right now
                await _deliver_queue(work, queue)
    return report


async def _deliver_queue(work: _Pass, queue: list[OutboxMessage]) -> None:
    for index, row in enumerate(queue):
        # Each row in its own savepoint: one that cannot be built or recorded fails alone,
        # and the rows already posted in this pass still commit as delivered.
        try:
            async with work.session.begin_nested():
                outcome = await _deliver_one(work, row, queue[index + 1 :])
        except (msgspec.ValidationError, KeyError, TypeError) as exc:
            error = f"undeliverable: {type(exc).__name__}: {str(exc)[:200]}"
            async with work.session.begin_nested():
                work.outbox.undeliverable(row, work.now, error)
            work.report.failed += 1
            work.report.errors.append(error)
            DELIVERIES.labels(row.peer, "undeliverable").inc()
            log.error("delivery_undeliverable", peer=row.peer, mid=row.mid, error=error)
            continue
        if outcome is Outcome.UNREACHABLE:
            return  # the rest wait for the next pass (or the breaker's probe), in order


async def _deliver_one(
    work: _Pass, row: OutboxMessage, waiting: Sequence[OutboxMessage]
) -> Outcome:
    peer = work.peers.get(row.peer)
    span = outgoing(row.body.get(OUTBOX_KEY))  # the trace of the request that queued it
    if peer is None:
        outcome, error = Outcome.REFUSED, f"{row.peer} is not a peer of this node"
    else:
        token = sign(build_attempt(row, me=work.me, now=now_s()), work.key)
        inbox = peer.document["endpoints"]["inbox"]
        outcome, error = await _post(work.client, inbox, token, span.traceparent)
    DELIVERIES.labels(row.peer, outcome.value).inc()  # a row's peer was pinned when queued
    if outcome is Outcome.DELIVERED:
        await work.outbox.delivered(row, work.now)
        work.report.delivered += 1
        log.info("delivered", peer=row.peer, mid=row.mid, trace_id=span.trace_id)
        return outcome
    if outcome is Outcome.UNREACHABLE:
        await work.outbox.unreachable(row, work.now, error, waiting)
    else:
        await work.outbox.refused(row, work.now, error)
    work.report.failed += 1
    work.report.errors.append(error)
    log.warning(
        "delivery_failed",
        peer=row.peer,
        mid=row.mid,
        error=error,
        outcome=outcome.value,
        trace_id=span.trace_id,
    )
    return outcome


async def _post(
    client: httpx.AsyncClient, url: str, token: str, traceparent: str
) -> tuple[Outcome, str]:
    """What became of one attempt, and a short reason safe to show an admin."""
    headers = {"Content-Type": JOSE, HEADER: traceparent}
    try:
        response = await client.post(url, content=token, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome.UNREACHABLE, f"{type(exc).__name__} reaching {url}"
    status = response.status_code
    if status == 202:
        return Outcome.DELIVERED, ""
    reason = f"HTTP {status} {_problem_type(response)}".strip()
    trouble = status >= 500 or status in (408, 429)
    return (Outcome.UNREACHABLE if trouble else Outcome.REFUSED), reason


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
                mark_pass("delivery", ok=True)
                if loop.time() >= next_pull:
                    reports = await pull_all(runtime, client)
                    # A peer that did not answer is asked again soon, not in five minutes.
                    failed = any(report.error for report in reports)
                    wait = min(RETRY_PULL_S, feed_interval_s) if failed else feed_interval_s
                    next_pull = loop.time() + wait
            except Exception as exc:
                mark_pass("delivery", ok=False)
                log_pass_failure(log, "federation_pass_failed", exc)
                next_pull = max(next_pull, loop.time() + RETRY_PULL_S)
            await asyncio.sleep(interval_s)
