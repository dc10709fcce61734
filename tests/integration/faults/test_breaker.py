"""The outbox after a peer's outage, on an injected clock (a pass every 2 s, as the delivery
loop runs): the breaker counts failed attempts on the peer, not queued messages; it probes once
each time its window ends; its window is capped; and the peer, once back, gets its whole queue
within a minute, in order, each message once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from federation.inbox import InboxEntry
from federation.outbox import (
    BREAKER_MAX_WINDOW,
    BREAKER_THRESHOLD,
    Outbox,
    OutboxMessage,
    OutboxStatus,
    PeerDelivery,
)
from network.federation.delivery import deliver_due
from tests.live import live_node
from tests.nodes import Node, enqueue

PASS = timedelta(seconds=2)  # the delivery loop's interval
OUTAGE = timedelta(minutes=3)


async def health_of(here: Node, peer: Node) -> PeerDelivery | None:
    async with here.runtime.sessionmaker() as session:
        return await session.get(PeerDelivery, peer.settings.base_url)


async def queued(here: Node, mids: list[str]) -> list[OutboxMessage]:
    async with here.runtime.sessionmaker() as session:
        rows = {row.mid: row for row in await session.scalars(select(OutboxMessage))}
    return [rows[mid] for mid in mids]


async def arrival_order(there: Node) -> list[str]:
    async with there.runtime.sessionmaker() as session:
        return list(await session.scalars(select(InboxEntry.mid).order_by(InboxEntry.received_at)))


async def outage(here: Node, peer: Node, start: datetime, client: httpx.AsyncClient) -> int:
    """Passes while ``peer`` is down; checks each against the breaker; the attempts made."""
    attempts, open_until = 0, None
    now = start
    while now < start + OUTAGE:
        report = await deliver_due(here.runtime, now, client)
        assert report.delivered == 0
        if open_until is not None and now < open_until:
            assert report.failed == 0  # open: nothing is sent
        else:
            # One attempt on the peer, whatever its queue: below the threshold, or the probe
            # once the window has ended.
            assert report.failed == 1
        attempts += report.failed
        health = await health_of(here, peer)
        assert health is not None
        assert health.consecutive_failures == attempts
        open_until = health.open_until
        if open_until is not None:
            assert open_until - now <= BREAKER_MAX_WINDOW
        now += PASS
    return attempts


async def test_after_a_three_minute_outage_the_peer_gets_its_queue_in_order_within_a_minute(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await theirs.pin(ours)
    await ours.pin(theirs)
    mids = await enqueue(ours, theirs, 8)
    start = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=5) as client:
        attempts = await outage(ours, theirs, start, client)
        # Only the head of the queue was ever tried; the seven behind it waited their turn.
        assert [row.attempts for row in await queued(ours, mids)] == [attempts] + [0] * 7
        assert BREAKER_THRESHOLD < attempts < BREAKER_THRESHOLD + 10

        back = start + OUTAGE
        now = back
        with live_node(theirs.settings, port=peer_port):
            while now - back <= timedelta(minutes=1):
                report = await deliver_due(ours.runtime, now, client)
                if report.delivered:
                    break
                now += PASS
    assert now - back <= timedelta(minutes=1), now - back
    assert report.delivered == 8  # the probe went through, and the whole queue behind it
    assert [row.status for row in await queued(ours, mids)] == [OutboxStatus.DELIVERED] * 8
    assert await arrival_order(theirs) == mids  # in order, each once
    health = await health_of(ours, theirs)
    assert health is not None
    assert (health.consecutive_failures, health.open_until) == (0, None)


async def test_a_peer_another_worker_is_delivering_to_is_left_alone(
    ours: Node, theirs: Node
) -> None:
    await ours.pin(theirs)
    mids = await enqueue(ours, theirs, 2)
    async with ours.runtime.sessionmaker() as other_worker, other_worker.begin():
        assert await Outbox(other_worker).claim(theirs.settings.base_url)
        async with httpx.AsyncClient(timeout=5) as client:
            report = await deliver_due(ours.runtime, datetime.now(UTC), client)
    assert (report.delivered, report.failed) == (0, 0)
    rows = await queued(ours, mids)
    assert [(row.status, row.attempts) for row in rows] == [(OutboxStatus.PENDING, 0)] * 2
    assert await health_of(ours, theirs) is None  # no attempt was counted against the peer
