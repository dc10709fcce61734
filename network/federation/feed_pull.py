"""Pulling peers' card feeds: on a schedule (the background loop) and on demand (CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import httpx

from federation import wire
from federation.errors import FederationError
from federation.key_ring import NodeKey
from federation.peer_registry import Peer, PeerRegistry
from federation.remote_cards import RemoteCards
from federation.request_auth import sign_request
from federation.signing import verify_feed_page
from federation.tenancy import check_hosted
from federation.trace_context import HEADER, outgoing
from network.federation.wiring import node_id, node_keys, now_s
from network.logs import get_logger
from network.metrics import FEED_PULLS
from network.runtime import Runtime

MAX_PAGES = 50
log = get_logger("mentornet.federation.feed")


@dataclass
class PullReport:
    peer: str
    pages: int = 0
    cards: int = 0
    tombstones: int = 0
    error: str | None = None


async def pull_feed(runtime: Runtime, peer_id: str, client: httpx.AsyncClient) -> PullReport:
    """Fetch and apply every new page of one peer's feed. A refused or failed page changes no
    card: the last valid feed stays until it expires."""
    async with runtime.sessionmaker() as session, session.begin():
        peer = await PeerRegistry(session).get(peer_id)
        report = PullReport(peer.node_id)
        cards = RemoteCards(session)
        cursor = (await cards.state(peer.node_id)).cursor
        key = (await node_keys(session, runtime.settings).ring()).active
        me = node_id(runtime.settings)
        while report.pages < MAX_PAGES:
            try:
                page = await _fetch(client, peer, me, key, cursor)
            except (FederationError, httpx.HTTPError, _PullError) as exc:
                report.error = _describe(exc)
                log.warning("feed_refused", peer=peer.node_id, error=report.error)
                await cards.failed(peer.node_id, datetime.now(UTC), report.error)
                FEED_PULLS.labels(peer.node_id, "failed").inc()
                return report
            await cards.apply(peer.node_id, page, datetime.now(UTC))
            report.pages += 1
            report.cards += len(page.cards)
            report.tombstones += len(page.tombstones)
            cursor = page.cursor
            if not page.has_more:
                break
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


async def pull_all(runtime: Runtime, client: httpx.AsyncClient) -> list[PullReport]:
    async with runtime.sessionmaker() as session:
        peers = [peer.node_id for peer in await PeerRegistry(session).list()]
    return [await pull_feed(runtime, peer, client) for peer in peers]
