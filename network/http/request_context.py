"""Request ids and access logs, wrapped around the whole app so that every response,
including routing errors, carries ``X-Request-ID``."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from federation.trace_context import HEADER as TRACEPARENT
from federation.trace_context import TraceContext, current
from network.logs import get_logger
from network.metrics import UNMATCHED, observe_request

HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

log = get_logger("mentornet.access")


def _header(scope: Scope | dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def request_id_of(scope: Scope | dict[str, Any]) -> str:
    """The id of this request: the caller's if well formed, else a new one. Stable per scope."""
    state: dict[str, Any] = scope.setdefault("state", {})
    existing = state.get("request_id")
    if isinstance(existing, str):
        return existing
    incoming = _header(scope, HEADER.encode())
    request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
    state["request_id"] = request_id
    return request_id


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        request_id = request_id_of(scope)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[HEADER] = request_id
            await send(message)

        # The caller's trace (a peer's delivery, a proxy's) continues here, as a span of ours.
        caller = TraceContext.parse(_header(scope, TRACEPARENT.encode()))
        trace = caller.child() if caller else TraceContext.new()
        token = current.set(trace)
        with structlog.contextvars.bound_contextvars(
            request_id=request_id, trace_id=trace.trace_id, span_id=trace.span_id
        ):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                # The route's template (set by the router), never the path: bounded labels.
                observe_request(method, scope.get("path_template") or UNMATCHED, status, seconds)
                # Path only: query strings may carry personal data or tokens.
                log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    status=status,
                    ms=round(seconds * 1000, 1),
                    parent_span_id=caller.span_id if caller else None,
                )
                current.reset(token)
