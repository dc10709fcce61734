"""``POST /federation/v1/inbox``: signed messages from peers, verified before anything runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, RequestBody, Schema

from federation.errors import FederationError
from federation.receiving import receive
from network.federation.wiring import INBOX_PATH, node_id, now_s
from network.http.dependencies import Db
from network.http.openapi import PublicOperation
from network.http.problems import documented_problems
from network.metrics import INBOX_MESSAGES, INBOX_REFUSALS
from network.runtime import Runtime
from orgs.errors import DomainError

MAX_MESSAGE_BYTES = 256 * 1024
JOSE = "application/jose"


@dataclass
class InboxOperation(PublicOperation):
    """Documents the body: one JWS compact token (verified against pinned keys, so anyone may
    send it and only a peer's is taken)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        token = Schema(
            type=OpenAPIType.STRING,
            pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
            max_length=MAX_MESSAGE_BYTES,
        )
        self.request_body = RequestBody(
            content={JOSE: OpenAPIMediaType(schema=token)},
            description="A message signed by a peer node's key (JWS compact)",
            required=True,
        )


class Accepted(msgspec.Struct, frozen=True):
    mid: str
    duplicate: bool


@post(
    INBOX_PATH,
    status_code=202,
    tags=["federation"],
    summary="A signed message from a peer (JWS compact body); 202 once stored",
    operation_class=InboxOperation,
    request_max_body_size=MAX_MESSAGE_BYTES,
    responses=documented_problems(400, 401, 403, 404, 413, 429, 503),
)
async def inbox(request: Request[Any, Any, Any], state: State, db: Db) -> Accepted:
    runtime = Runtime.of(state)
    try:
        receipt = await receive(
            db,
            await request.body(),
            me=node_id(runtime.settings),
            now=now_s(),
            replay=runtime.replay,
            admit=runtime.limits.peer,
        )
    except (FederationError, DomainError) as refused:
        INBOX_REFUSALS.labels(refused.code).inc()  # codes of a fixed list: bounded
        raise
    INBOX_MESSAGES.labels("duplicate" if receipt.duplicate else "stored").inc()
    return Accepted(mid=receipt.mid, duplicate=receipt.duplicate)
