"""``GET /.well-known/mentornet-node``: this node's signed, public self-description."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from network.federation.wiring import NODE_DOCUMENT_PATH, now_s, signed_node_document
from network.http.dependencies import Db
from network.http.openapi import PublicOperation
from network.http.problems import documented_problems
from network.runtime import Runtime

JOSE = "application/jose"


@get(
    NODE_DOCUMENT_PATH,
    tags=["federation"],
    summary="This node's signed document (JWS compact): id, orgs, keys, endpoints",
    media_type=JOSE,
    responses=documented_problems(400, 404),
    operation_class=PublicOperation,
)
async def node_document(
    state: State, db: Db, kid: Annotated[str | None, QueryParameter(max_length=128)] = None
) -> Response[str]:
    """``?kid=`` asks for the document signed by that key while it is still valid, so a
    peer that pins only an old key can verify the document that announces the new one."""
    token = await signed_node_document(db, Runtime.of(state).settings, kid, now_s())
    return Response(token, media_type=JOSE, headers={"Cache-Control": "max-age=300"})
