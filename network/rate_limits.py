"""Limits that protect a shared node: requests per org API token, per member session and per
peer node, and sign-in starts per client address.

Counted by the ``limits`` library with its sliding-window counter: in Redis (on the node's own
blocking pool, so every worker shares one count), or in memory per worker for the demo that
runs without Redis. A refusal is 429 with ``Retry-After`` (problem+json, or a page). A Redis
fault never refuses anyone here: the check fails open and is counted, since the requests that
need Redis answer 503 on their own and a limit must not turn a store fault into an outage.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Literal

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from litestar.exceptions import TooManyRequestsException
from redis.asyncio import Redis
from redis.exceptions import RedisError

from network.config import Settings
from network.logs import get_logger
from network.metrics import RATE_LIMIT_FAULTS, RATE_LIMITED

Scope = Literal["token", "session", "peer", "sign_in"]

log = get_logger("mentornet.rate_limits")

#: What a person or a script is told, by what was limited.
_WHAT: dict[Scope, str] = {
    "token": "this API token",
    "session": "your session",
    "peer": "your node",
    "sign_in": "sign-in attempts from your address",
}


class RateLimited(TooManyRequestsException):
    """429: ``scope``'s limit is used up; ``Retry-After`` says when a request will pass."""

    def __init__(self, scope: Scope, retry_after_s: int) -> None:
        super().__init__(
            detail=f"Too many requests for {_WHAT[scope]}; "
            f"try again in {retry_after_s} second{'s' if retry_after_s != 1 else ''}.",
            headers={"Retry-After": str(retry_after_s)},
        )
        self.scope = scope
        self.retry_after_s = retry_after_s


def _item(rate: str) -> RateLimitItem | None:
    return None if rate == "off" else parse(rate)


@dataclass
class RateLimits:
    """One per worker, built by the app factory from the settings and the node's Redis."""

    storage: Storage
    items: dict[Scope, RateLimitItem | None]
    limiter: SlidingWindowCounterRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)

    @classmethod
    def build(cls, settings: Settings, redis: Redis | None) -> RateLimits:
        storage: Storage = (
            MemoryStorage()
            if redis is None
            else RedisStorage(
                "async+redis://",
                implementation="redispy",
                key_prefix="mentornet:rate",
                # the typed signature knows only scalars; redis-py takes the pool through it
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]
            )
        )
        return cls(
            storage,
            {
                "token": _item(settings.rate_limit_token),
                "session": _item(settings.rate_limit_session),
                "peer": _item(settings.rate_limit_peer),
                "sign_in": _item(settings.rate_limit_sign_in),
            },
        )

    async def peer(self, node_id: str) -> None:
        """The per-peer limit, for the federation use cases (they know only a callable)."""
        await self.admit("peer", node_id)

    async def admit(self, scope: Scope, key: str) -> None:
        """Count one request of ``key`` (a token id, session id, peer id or address) against
        ``scope``'s limit; raise :class:`RateLimited` once it is used up."""
        item = self.items[scope]
        if item is None:
            return
        # A session id is a bearer secret: only its digest is ever a key.
        key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        try:
            if await self.limiter.hit(item, scope, key):
                return
            stats = await self.limiter.get_window_stats(item, scope, key)
        except (RedisError, OSError) as fault:
            RATE_LIMIT_FAULTS.labels(scope).inc()
            log.warning("rate_limit_unavailable", scope=scope, error=type(fault).__name__)
            return
        RATE_LIMITED.labels(scope).inc()
        raise RateLimited(scope, max(1, math.ceil(stats.reset_time - time.time())))
