"""Delivering the outbox to peers: one pass (``deliver_due``) and the background loop.

Every app worker may run the loop: ``Outbox.due_for`` locks the rows it hands out (SKIP LOCKED on
PostgreSQL), so no message is sent twice at once, ``Outbox.claim`` gives each peer to one worker
at a time, so its messages go in order, and the receiver's (sender, mid) inbox makes a retried
message take effect once. A pass stops at a peer's first failure: that attempt is the one the
circuit breaker counts, and after the breaker's window the next one is its probe. Tokens are
stamped with the real clock; ``now`` only decides what is due, so tests can move time forward
without forging stale tokens.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

import httpx
import msgspec
from sqlalchemy.exc import SQLAlchemyError

from federation.feed_schedule import Schedule
from federation.key_ring import NodeKey
from federation.local_delivery import deliver_due_here
from federation.outbox import Outbox, OutboxMessage, build_attempt
from federation.peer_registry import Peer, PeerRegistry
from federation.signing import sign
from federation.this_node import is_here
from federation.trace_context import HEADER, OUTBOX_KEY, outgoing
from network.faults import log_pass_failure
from network.federation.feed_pull import pull_all
from network.federation.own_feed import refresh_here
from network.federation.wiring import node_id, node_keys, now_s
from network.logs import get_logger
from network.metrics import DELIVERIES, mark_pass
from network.runtime import Runtime

JOSE = "application/jose"
RETRY_PULL_S = 30.0
#: How often each worker asks the feed schedule which peers are due.
FEED_TICK_S = 5.0
log = get_logger("mentornet.federation.delivery")


#: Messages per peer per pass, and peers sent to at once.
PER_PEER = 100
PEERS_AT_ONCE = 16


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    #: Some peer had more due than one pass takes: the loop goes again at once.
    full: bool = False


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
    peers: dict[str, Peer]
    key: NodeKey
    me: str


@dataclass(frozen=True)
class _Attempt:
    """What became of one row in the network phase; recorded afterwards, in queue order."""

    row: OutboxMessage
    outcome: Outcome | None  # None: the row cannot be built into a message at all
    error: str
    waiting: Sequence[OutboxMessage] = ()


async def deliver_due(
    runtime: Runtime,
    now: datetime,
    client: httpx.AsyncClient,
    limit: int = PER_PEER,
    peers_at_once: int = PEERS_AT_ONCE,
) -> DeliveryReport:
    """One pass: up to ``limit`` due messages of every peer whose breaker is closed, each
    peer's in queue order and stopping at its first failure (that attempt is the probe; the
    breaker counts attempts, not queued messages). Peers are sent to concurrently, up to
    ``peers_at_once``, so a peer that never answers costs its own timeout, not everyone's."""
    report = DeliveryReport()
    me = node_id(runtime.settings)
    # This node's own organisations: in-process, never over HTTP (federation.local_delivery).
    report.delivered += await deliver_due_here(runtime.sessionmaker, me, now, limit)
    async with runtime.sessionmaker() as session, session.begin():
        outbox = Outbox(session)
        queues: list[Sequence[OutboxMessage]] = []
        for peer in await outbox.due_peers(now):
            if is_here(peer, me):
                continue
            if await outbox.claim(peer):  # else another worker is delivering to it right now
                rows = await outbox.due_for(peer, now, limit)
                if rows:
                    queues.append(rows)
        if not queues:
            return report
        ring = await node_keys(session, runtime.settings).ring()
        peers = {peer.node_id: peer for peer in await PeerRegistry(session).list()}
        work = _Pass(client, peers, ring.active, me)
        gate = asyncio.Semaphore(peers_at_once)

        async def send(queue: Sequence[OutboxMessage]) -> list[_Attempt]:
            async with gate:
                return await _send_queue(work, queue)

        # The network phase runs concurrently; the session is written to afterwards, alone,
        # one savepoint per peer: a queue whose outcomes cannot be recorded fails alone, and
        # the other peers' deliveries in this pass still commit.
        for attempts in await asyncio.gather(*(send(queue) for queue in queues)):
            try:
                async with session.begin_nested():
                    for attempt in attempts:
                        await _record(outbox, attempt, now, report)
            except SQLAlchemyError as exc:
                log_pass_failure(log, "delivery_record_failed", exc)
        report.full = any(len(queue) >= limit for queue in queues)
    return report


async def _send_queue(work: _Pass, queue: Sequence[OutboxMessage]) -> list[_Attempt]:
    attempts: list[_Attempt] = []
    for index, row in enumerate(queue):
        try:
            outcome, error = await _deliver_one(work, row)
        except (msgspec.ValidationError, KeyError, TypeError) as exc:
            error = f"undeliverable: {type(exc).__name__}: {str(exc)[:200]}"
            attempts.append(_Attempt(row, None, error))
            continue
        attempts.append(_Attempt(row, outcome, error, queue[index + 1 :]))
        if outcome is Outcome.UNREACHABLE:
            break  # the rest wait for the next pass (or the breaker's probe), in order
    return attempts


async def _record(outbox: Outbox, attempt: _Attempt, now: datetime, report: DeliveryReport) -> None:
    row, outcome, error = attempt.row, attempt.outcome, attempt.error
    span = outgoing(row.body.get(OUTBOX_KEY))
    if outcome is None:
        outbox.undeliverable(row, now, error)
        DELIVERIES.labels(row.peer, "undeliverable").inc()
        log.error("delivery_undeliverable", peer=row.peer, mid=row.mid, error=error)
    elif outcome is Outcome.DELIVERED:
        await outbox.delivered(row, now)
    elif outcome is Outcome.UNREACHABLE:
        await outbox.unreachable(row, now, error, attempt.waiting)
    else:
        await outbox.refused(row, now, error)
    if outcome is not None:
        DELIVERIES.labels(row.peer, outcome.value).inc()  # a row's peer was pinned when queued
    if outcome is Outcome.DELIVERED:
        report.delivered += 1
        log.info("delivered", peer=row.peer, mid=row.mid, trace_id=span.trace_id)
        return
    report.failed += 1
    report.errors.append(error)
    if outcome is not None:
        log.warning(
            "delivery_failed",
            peer=row.peer,
            mid=row.mid,
            error=error,
            outcome=outcome.value,
            trace_id=span.trace_id,
        )


async def _deliver_one(work: _Pass, row: OutboxMessage) -> tuple[Outcome, str]:
    peer = work.peers.get(row.peer)
    if peer is None:
        return Outcome.REFUSED, f"{row.peer} is not a peer of this node"
    span = outgoing(row.body.get(OUTBOX_KEY))  # the trace of the request that queued it
    token = sign(build_attempt(row, me=work.me, now=now_s()), work.key)
    inbox = peer.document["endpoints"]["inbox"]
    return await _post(work.client, inbox, token, span.traceparent)


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


async def delivery_loop(runtime: Runtime, interval_s: float = 2.0) -> None:
    """Until cancelled: deliver what is due every ``interval_s``, and again at once while a
    backlog remains. Card feeds are pulled by :func:`feed_loop` beside it, so a peer whose
    feed is slow to answer never holds up delivery. One failure never stops it."""
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            backlog = False
            try:
                report = await deliver_due(runtime, datetime.now(UTC), client)
                mark_pass("delivery", ok=True)
                backlog = report.full
            except Exception as exc:
                mark_pass("delivery", ok=False)
                log_pass_failure(log, "federation_pass_failed", exc)
            if not backlog:
                await asyncio.sleep(interval_s)


async def feed_loop(runtime: Runtime, interval_s: float | None = None) -> None:
    """Until cancelled: pull every peer's card feed once per interval for the whole node (the
    first pull straight away; after a failed pull, again in 30 s). Each worker runs this loop
    and wakes every few seconds, but the schedule (``federation.feed_schedule``) gives each
    due peer to one worker only. One failure never stops it."""
    settings = runtime.settings
    interval = settings.feed_interval_s if interval_s is None else interval_s
    retry = min(RETRY_PULL_S, interval)
    schedule = Schedule(interval, retry, lock=settings.feed_pull_lock)
    # With the lock off each worker keeps its own timer (the old way); with it on they ask
    # the schedule often, so a peer is pulled soon after it falls due whoever's turn it is.
    tick = min(FEED_TICK_S, retry) if settings.feed_pull_lock else None
    refreshed_at = -math.inf  # this node's own feed: once per interval, not at every tick
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            wait = interval
            try:
                if time.monotonic() - refreshed_at >= interval:
                    await refresh_here(runtime)  # this node's own orgs, for each other
                    refreshed_at = time.monotonic()
                reports = await pull_all(
                    runtime, client, schedule if settings.feed_pull_lock else None
                )
                mark_pass("feeds", ok=True)
                # A peer that did not answer is asked again soon, not in five minutes.
                if any(report.error for report in reports):
                    wait = retry
                log.info(
                    "feed_pass",
                    pulled=sum(not r.skipped for r in reports),
                    skipped=sum(r.skipped for r in reports),
                    worker=os.getpid(),
                )
            except Exception as exc:
                mark_pass("feeds", ok=False)
                log_pass_failure(log, "federation_pass_failed", exc)
                wait = retry
            await asyncio.sleep(wait if tick is None else min(wait, tick))
