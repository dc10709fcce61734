"""Pulling peers' card feeds: on a schedule (the background loop) and on demand (CLI)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import httpx

from federation import wire
from federation.errors import FederationError
from federation.feed_schedule import Schedule
from federation.key_ring import NodeKey
from federation.peer_registry import Peer, PeerRegistry
from federation.remote_cards import RemoteCards, at
from federation.request_auth import sign_request
from federation.signing import verify_feed_page
from federation.tenancy import check_hosted
from federation.trace_context import HEADER, outgoing
from network.federation.wiring import node_id, node_keys, now_s
from network.logs import get_logger
from network.metrics import FEED_PULLS
from network.runtime import Runtime

MAX_PAGES = 50
#: Peers pulled at once in a pass (each holds a database connection while it pulls).
PEERS_AT_ONCE = 4
log = get_logger("mentornet.federation.feed")


@dataclass
class PullReport:
    peer: str
    pages: int = 0
    cards: int = 0
    tombstones: int = 0
    error: str | None = None
    #: Not pulled: not due yet, or another worker of this node is pulling it.
    skipped: bool = False


async def pull_feed(
    runtime: Runtime,
    peer_id: str,
    client: httpx.AsyncClient,
    schedule: Schedule | None = None,
    key: NodeKey | None = None,
) -> PullReport:
    """Fetch and apply every new page of one peer's feed, in one transaction. Each page is
    ingested in a constant number of statements while the next one is fetched; held cards are
    renewed once, at the end. A refused or failed page changes no card: the last valid feed
    stays until it expires (the pages before it are kept, with their cursor). With a
    ``schedule``, only if it says the peer is due and no other worker is pulling it."""
    async with runtime.sessionmaker() as session, session.begin():
        peer = await PeerRegistry(session).get(peer_id)
        report = PullReport(peer.node_id)
        if schedule is not None and not await schedule.claim(
            session, peer.node_id, datetime.now(UTC)
        ):
            report.skipped = True
            return report
        cards = RemoteCards(session)
        cursor = (await cards.state(peer.node_id)).cursor
        if key is None:
            key = (await node_keys(session, runtime.settings).ring()).active
        me = node_id(runtime.settings)
        last: wire.FeedPage | None = None
        fetching = asyncio.ensure_future(_fetch(client, peer, me, key, cursor))
        while True:
            try:
                page = await fetching
            except (FederationError, httpx.HTTPError, _PullError) as exc:
                report.error = _describe(exc)
                break
            more = page.has_more and report.pages + 1 < MAX_PAGES
            if more:  # the next page travels while this one is written
                fetching = asyncio.ensure_future(_fetch(client, peer, me, key, page.cursor))
            try:
                await cards.ingest(peer.node_id, page, datetime.now(UTC))
            except BaseException:
                if more:
                    fetching.cancel()
                raise
            last = page
            report.pages += 1
            report.cards += len(page.cards)
            report.tombstones += len(page.tombstones)
            if not more:
                break
        if last is not None:
            await cards.finish(peer.node_id, last.cursor, at(last.exp), datetime.now(UTC))
        if report.error is not None:
            log.warning("feed_refused", peer=peer.node_id, error=report.error)
            await cards.failed(peer.node_id, datetime.now(UTC), report.error)
            FEED_PULLS.labels(peer.node_id, "failed").inc()
            return report
        FEED_PULLS.labels(peer.node_id, "ok").inc()
        return report


class _PullError(Exception):
    pass


def _describe(exc: Exception) -> str:
    if isinstance(exc, FederationError):
        return f"{exc.code}: {exc.detail}"
    return f"{type(exc).__name__}: {exc}"[:300]


async def _fetch(
    client: httpx.AsyncClient, peer: Peer, me: str, key: NodeKey, cursor: str
) -> wire.FeedPage:
    url = peer.document["endpoints"]["cards"]
    query = urlencode({"cursor": cursor})
    signed = sign_request(
        key=key, iss=me, aud=peer.node_id, path=urlsplit(url).path, query=query, now=now_s()
    )
    headers = {"Authorization": signed.authorization, HEADER: outgoing().traceparent}
    response = await client.get(f"{url}?{query}", headers=headers)
    if response.status_code != 200:
        raise _PullError(f"{url} answered HTTP {response.status_code}")
    page = verify_feed_page(
        response.text,
        producer=peer.pinned(),
        me=me,
        request_jti=signed.jti,
        now=now_s(),
    )
    # A card for an org the producer does not host refuses the whole page: its cursor is not
    # taken, so once we refresh the peer's document the same cards come again.
    check_hosted(page, peer.hosted_slugs)
    return page


async def pull_all(
    runtime: Runtime, client: httpx.AsyncClient, schedule: Schedule | None = None
) -> list[PullReport]:
    """One pass over every peer (those the ``schedule`` says are due), up to
    ``PEERS_AT_ONCE`` at a time so a slow peer costs its own wait, not everyone's."""
    async with runtime.sessionmaker() as session:
        peers = [peer.node_id for peer in await PeerRegistry(session).list()]
        if schedule is not None:
            peers = await schedule.due(session, peers, datetime.now(UTC))
        if not peers:
            return []
        # Decrypted once per pass, not once per peer.
        key = (await node_keys(session, runtime.settings).ring()).active
    gate = asyncio.Semaphore(PEERS_AT_ONCE)

    async def pull(peer: str) -> PullReport:
        async with gate:
            return await pull_feed(runtime, peer, client, schedule, key)

    return list(await asyncio.gather(*(pull(peer) for peer in peers)))
