"""What is node-wide anyway, read from the database when Prometheus scrapes: every worker (and
every pod of a cluster) answers the same, and nothing needs a background loop to keep it fresh.

Per peer: outbox depth, its oldest message's age, dead letters, the circuit breaker, the card
feed's age and expiry, the live cards held. For the node: emails waiting and given up, and how
late the jobs are (the oldest piece of due work not yet done).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from federation.outbox import OutboxMessage, OutboxStatus, PeerDelivery
from federation.peer_registry import Peer
from federation.remote_cards import FeedState, RemoteCard
from orgs.mentoring.relationship_states import RequestState
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.people.notifications import EmailStatus, OutgoingEmail

K = TypeVar("K")


@dataclass(eq=False)  # a registry keys its collectors by identity
class NodeGauges(Collector):
    """Gauge families read once per scrape; a collector of values already read."""

    families: list[Metric] = field(default_factory=list)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)

    def gauge(self, name: str, documentation: str, values: Iterable[tuple[str, float]]) -> None:
        family = GaugeMetricFamily(name, documentation, labels=["peer"])
        for peer, value in sorted(values):
            family.add_metric([peer], value)
        self.families.append(family)

    def single(self, name: str, documentation: str, label: str, values: dict[str, float]) -> None:
        family = GaugeMetricFamily(name, documentation, labels=[label])
        for key, value in sorted(values.items()):
            family.add_metric([key], value)
        self.families.append(family)


async def _counts(
    session: AsyncSession, key: InstrumentedAttribute[K], where: ColumnElement[bool]
) -> dict[K, int]:
    """How many rows match ``where``, per value of ``key``."""
    query = select(key, func.count()).where(where).group_by(key)
    return {row[0]: row[1] for row in await session.execute(query)}


def _age(now: datetime, then: datetime | None) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


async def read_gauges(session: AsyncSession, now: datetime, *, mailer: bool) -> NodeGauges:
    """The node-wide gauges at ``now``; ``mailer``: whether the node sends email (without one,
    emails wait by design and are no lag)."""
    gauges = NodeGauges()
    peers = set(await session.scalars(select(Peer.node_id)))
    await _outbox(session, now, peers, gauges)
    await _feeds(session, now, peers, gauges)
    await _emails_and_jobs(session, now, gauges, mailer=mailer)
    return gauges


async def _outbox(session: AsyncSession, now: datetime, peers: set[str], out: NodeGauges) -> None:
    pending = {
        peer: (count, oldest)
        for peer, count, oldest in await session.execute(
            select(OutboxMessage.peer, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .group_by(OutboxMessage.peer)
        )
    }
    dead = await _counts(session, OutboxMessage.peer, OutboxMessage.status == OutboxStatus.DEAD)
    health = {row.peer: row for row in await session.scalars(select(PeerDelivery))}
    # A peer with nothing queued still has its series (at 0), so "no data" never hides a peer.
    every = peers | pending.keys() | dead.keys()
    out.gauge(
        "mentornet_federation_outbox_pending",
        "Messages waiting in the outbox for this peer.",
        ((peer, pending.get(peer, (0, None))[0]) for peer in every),
    )
    out.gauge(
        "mentornet_federation_outbox_oldest_age_seconds",
        "Age of the oldest message waiting for this peer (0 when none waits).",
        ((peer, _age(now, pending.get(peer, (0, None))[1])) for peer in every),
    )
    out.gauge(
        "mentornet_federation_outbox_dead_letters",
        "Messages to this peer given up after the retry window (an admin can replay them).",
        ((peer, dead.get(peer, 0)) for peer in every),
    )
    out.gauge(
        "mentornet_federation_peer_breaker_open",
        "1 while the circuit breaker of deliveries to this peer is open.",
        ((peer, _breaker_open(health.get(peer), now)) for peer in every),
    )
    out.gauge(
        "mentornet_federation_peer_consecutive_failures",
        "Delivery attempts to this peer that failed in a row (0 once one succeeds).",
        ((peer, row.consecutive_failures if (row := health.get(peer)) else 0) for peer in every),
    )


def _breaker_open(row: PeerDelivery | None, now: datetime) -> float:
    return 1.0 if row is not None and row.open_until is not None and row.open_until > now else 0.0


async def _feeds(session: AsyncSession, now: datetime, peers: set[str], out: NodeGauges) -> None:
    states = {
        row.peer: row
        for row in await session.scalars(select(FeedState).where(FeedState.peer.in_(peers)))
    }
    cards = await _counts(session, RemoteCard.peer, RemoteCard.expires_at > now)
    pulled = {peer: s.last_pulled_at for peer, s in states.items() if s.last_pulled_at}
    out.gauge(
        "mentornet_federation_feed_age_seconds",
        "Seconds since this peer's card feed was last pulled successfully (peers never pulled "
        "have no sample).",
        ((peer, _age(now, when)) for peer, when in pulled.items()),
    )
    out.gauge(
        "mentornet_federation_feed_expires_in_seconds",
        "Seconds until the cards held from this peer expire unless a pull renews them "
        "(negative: expired).",
        (
            (peer, (s.expires_at - now).total_seconds())
            for peer, s in states.items()
            if s.expires_at is not None
        ),
    )
    out.gauge(
        "mentornet_federation_feed_last_pull_ok",
        "1 if the last pull of this peer's feed succeeded, 0 if it failed.",
        ((peer, 0.0 if s.last_error else 1.0) for peer, s in states.items()),
    )
    out.gauge(
        "mentornet_federation_remote_cards",
        "Live (unexpired) cards held from this peer.",
        ((peer, cards.get(peer, 0)) for peer in peers | cards.keys()),
    )


async def _emails_and_jobs(
    session: AsyncSession, now: datetime, out: NodeGauges, *, mailer: bool
) -> None:
    emails = await _counts(
        session,
        OutgoingEmail.status,
        OutgoingEmail.status.in_((EmailStatus.PENDING, EmailStatus.DEAD)),
    )
    out.families.append(
        GaugeMetricFamily(
            "mentornet_emails_queued",
            "Emails waiting to be sent (all orgs).",
            value=emails.get(EmailStatus.PENDING, 0),
        )
    )
    out.families.append(
        GaugeMetricFamily(
            "mentornet_emails_failed",
            "Emails given up after every retry (all orgs).",
            value=emails.get(EmailStatus.DEAD, 0),
        )
    )
    oldest_request = await session.scalar(
        select(func.min(MentoringRequest.expires_at)).where(
            MentoringRequest.state == RequestState.OPEN,
            MentoringRequest.expires_at <= now,
            MentoringRequest.direction != Direction.OUTGOING,
        )
    )
    lag = {"expire_requests": _age(now, oldest_request)}
    if mailer:
        oldest_email = await session.scalar(
            select(func.min(OutgoingEmail.next_attempt_at)).where(
                OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.next_attempt_at <= now
            )
        )
        lag["send_emails"] = _age(now, oldest_email)
    out.single(
        "mentornet_jobs_lag_seconds",
        "How overdue the oldest due piece of a job's work is (0: nothing overdue). The jobs "
        "run every minute, so a lag that keeps growing means they are not running.",
        "job",
        lag,
    )
