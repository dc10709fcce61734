"""``GET /federation/v1/cards``: this node's anonymised cards, for authenticated peers only."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from federation.feed_pages import serve_page
from network.federation.wiring import CARDS_PATH, node_id, node_keys, now_s
from network.http.dependencies import Db
from network.http.openapi import PEER_SIGNED
from network.http.problems import documented_problems
from network.runtime import Runtime

JOSE = "application/jose"


@get(
    CARDS_PATH,
    tags=["federation"],
    summary="A signed page of cards and tombstones for the calling peer (JWS compact)",
    media_type=JOSE,
    security=PEER_SIGNED,
    responses=documented_problems(400, 401, 429, 503),
)
async def cards(
    request: Request[Any, Any, Any],
    state: State,
    db: Db,
    cursor: Annotated[str, QueryParameter(max_length=64)] = "",
) -> Response[str]:
    runtime = Runtime.of(state)
    settings = runtime.settings
    token = await serve_page(
        db,
        node_keys(db, settings),
        me=node_id(settings),
        authorization=request.headers.get("authorization"),
        path=CARDS_PATH,
        query=request.scope["query_string"].decode("latin-1"),
        cursor=cursor,
        now=now_s(),
        admit=runtime.limits.peer,
    )
    return Response(token, media_type=JOSE, headers={"Cache-Control": "no-store"})
