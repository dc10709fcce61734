"""Serving the card feed: a verified peer's request in, one signed page of its cards out.

The one use case behind ``GET /federation/v1/cards``: the HTTP adapter passes the request's
parts and returns the token it gets back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.cards import build_cards
from federation.feed import Feed, offers_for
from federation.feed_stamps import current_page
from federation.handles import card_handle
from federation.key_store import NodeKeys
from federation.peer_registry import PeerRegistry
from federation.request_auth import verify_request
from federation.seen_requests import DurableReplayCache
from federation.signing import new_jti, sign

#: How long a consumer may keep a page's cards without a new pull.
PAGE_LIFETIME = 6 * 3600


async def serve_page(
    session: AsyncSession,
    keys: NodeKeys,
    *,
    me: str,
    authorization: str | None,
    path: str,
    query: str,
    cursor: str,
    now: int,
    admit: Callable[[str], Awaitable[None]],
) -> str:
    """The calling peer's next page of cards and tombstones, signed (JWS compact). ``admit``
    is told the verified peer before any work for it (the node's per-peer rate limit)."""
    registry = PeerRegistry(session)
    claims = await verify_request(
        authorization,
        trust=await registry.trust_store(),
        me=me,
        method="GET",
        path=path,
        query=query,
        now=now,
        # Not Redis: a page is served at most once per signed request even after a flush.
        replay=DurableReplayCache(session),
    )
    consumer = claims.iss
    await admit(consumer)
    today = datetime.fromtimestamp(now, UTC).date()

    async def rebuild(feed: Feed) -> None:
        peer = await registry.get(consumer)
        secret = await keys.handle_secret()
        offers = await offers_for(
            session,
            consumer=consumer,
            consumer_orgs=[org["slug"] for org in peer.hosted_orgs],
            taken={},
            today=today,
        )
        card_set = build_cards(
            offers.offers, consumer=consumer, handle_secret=secret, k_by_org=offers.k_by_org
        )
        await feed.sync(
            card_set,
            {card_handle(secret, consumer, o.mentor_id): o.mentor_id for o in offers.offers},
        )

    page = await current_page(session, consumer, cursor, today=today, rebuild=rebuild)
    return sign(
        wire.FeedPage(
            iss=me,
            aud=consumer,
            iat=now,
            exp=now + PAGE_LIFETIME,
            jti=new_jti(),
            request_jti=claims.jti,
            cards=page.cards,
            tombstones=page.tombstones,
            cursor=page.cursor,
            reset=page.reset,
            has_more=page.has_more,
        ),
        (await keys.ring()).active,
    )
