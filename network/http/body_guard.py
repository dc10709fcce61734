"""The request body, as the app reads it: within a deadline, and a client that leaves is gone.

Granian times out slow headers, not slow bodies: a client sending one byte a second held a
worker's request open for as long as it liked. Here the whole body must arrive within
``timeout_s`` of the app's first read (408 otherwise, and the connection is closed). A client
that disconnects before its body is complete ends the request as ``ClientDisconnected`` (logged
as that, status 499), where Litestar would raise a 500 "client disconnected prematurely".
"""

from __future__ import annotations

import asyncio

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

#: The status logged for a request whose client went away (nginx's "client closed request").
CLIENT_CLOSED = 499


class BodyReadTimeout(HTTPException):
    status_code = 408
    detail = "The request body did not arrive in time."


class ClientDisconnected(Exception):
    """The client closed the connection before it had sent the whole body."""


class _Body:
    """One request's reads: the deadline and what happened."""

    def __init__(self, receive: Receive, timeout_s: float) -> None:
        self._receive = receive
        self._timeout_s = timeout_s
        self._deadline: float | None = None
        self.complete = False
        self.timed_out = False
        self.gone = False

    async def receive(self) -> ReceiveMessage:
        if self.complete:
            return await self._receive()  # after the body: waiting for a disconnect is fine
        loop = asyncio.get_running_loop()
        if self._deadline is None:
            self._deadline = loop.time() + self._timeout_s
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            self.timed_out = True
            raise BodyReadTimeout(
                detail=f"The request body did not arrive within {self._timeout_s:g} s."
            ) from None
        if message["type"] == "http.disconnect":
            self.gone = True
            raise ClientDisconnected
        if not message.get("more_body", False):
            self.complete = True
        return message


class BodyGuard:
    """ASGI wrapper (outermost, so the access log inside it still sees the status)."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        body = _Body(receive, self.timeout_s)

        async def guarded_send(message: Message) -> None:
            if body.gone:
                return  # nobody to answer
            if body.timed_out and message["type"] == "http.response.start":
                # The rest of a slow body may still be on its way: do not wait for it.
                MutableScopeHeaders.from_message(message)["connection"] = "close"
            await send(message)

        await self.app(scope, body.receive, guarded_send)
