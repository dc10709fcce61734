"""``GET /federation/v1/cards``: this node's anonymised cards, for authenticated peers only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from federation import wire
from federation.cards import build_cards
from federation.feed import Feed, offers_for
from federation.handles import card_handle
from federation.peers import PeerRegistry
from federation.request_auth import verify_request
from federation.signing import new_jti, sign
from network.federation.wiring import CARDS_PATH, node_id, node_keys, now_s
from network.http.dependencies import Db
from network.http.openapi import PEER_SIGNED
from network.http.problems import documented_problems
from network.runtime import Runtime

JOSE = "application/jose"
PAGE_LIFETIME = 6 * 3600  # how long a consumer may keep a page's cards without a new pull


@get(
    CARDS_PATH,
    tags=["federation"],
    summary="A signed page of cards and tombstones for the calling peer (JWS compact)",
    media_type=JOSE,
    security=PEER_SIGNED,
    responses=documented_problems(400, 401),
)
async def cards(
    request: Request[Any, Any, Any],
    state: State,
    db: Db,
    cursor: Annotated[str, QueryParameter(max_length=64)] = "",
) -> Response[str]:
    runtime = Runtime.of(state)
    me = node_id(runtime.settings)
    now = now_s()
    registry = PeerRegistry(db)
    claims = await verify_request(
        request.headers.get("authorization"),
        trust=await registry.trust_store(),
        me=me,
        method="GET",
        path=CARDS_PATH,
        query=request.scope["query_string"].decode("latin-1"),
        now=now,
        replay=runtime.replay,
    )
    consumer = claims.iss
    peer = await registry.get(consumer)
    keys = node_keys(db, runtime.settings)
    secret = await keys.handle_secret()
    offers = await offers_for(
        db,
        consumer=consumer,
        consumer_orgs=[org["slug"] for org in peer.hosted_orgs],
        taken={},
        today=datetime.now(UTC).date(),
    )
    card_set = build_cards(
        offers.offers, consumer=consumer, handle_secret=secret, k_by_org=offers.k_by_org
    )
    feed = Feed(db, consumer)
    await feed.sync(
        card_set,
        {card_handle(secret, consumer, o.mentor_id): o.mentor_id for o in offers.offers},
    )
    page = await feed.page(cursor)
    token = sign(
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
    return Response(token, media_type=JOSE, headers={"Cache-Control": "no-store"})
