"""Receiving a peer's message: the signed body in, verified, then stored and handled once.

The one use case behind ``POST /federation/v1/inbox``; the HTTP adapter only passes the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from federation.errors import MalformedMessage
from federation.inbox import Inbox, received_token
from federation.inbox_handlers import HANDLERS
from federation.peer_registry import PeerRegistry
from federation.replay import ReplayCache
from federation.signing import verify_message


@dataclass(frozen=True)
class Receipt:
    mid: str
    duplicate: bool  # already stored: acknowledged again, handled only the first time


async def receive(
    session: AsyncSession,
    body: bytes,
    *,
    me: str,
    now: int,
    replay: ReplayCache,
    admit: Callable[[str], Awaitable[None]],
) -> Receipt:
    """Verify, then store and handle once. ``admit`` is told the verified sender before
    anything is stored (the node's per-peer rate limit): a forger cannot spend a peer's
    allowance, and a refused message leaves nothing behind."""
    try:
        token = body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise MalformedMessage("the body must be a JWS compact token") from None
    verified = await verify_message(
        token, trust=await PeerRegistry(session).trust_store(), me=me, now=now, replay=replay
    )
    message = verified.message
    await admit(message.iss)
    held = received_token.set(token)
    try:
        taken = await Inbox(session, HANDLERS).accept(message)
    finally:
        received_token.reset(held)
    return Receipt(mid=message.mid, duplicate=not taken)
