"""Short-lived server-side state (pending sign-ins, sessions): Redis, or memory in the demo.

Keys are namespaced under ``mentornet:sso:`` and are always hashes of the browser-held secrets
(session ids, login bindings), so a dump of Redis gives nothing a browser could replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from network.faults import RETRY_AFTER_S
from network.sso.errors import IdpUnavailable

PREFIX = "mentornet:sso:"

Clock = Callable[[], float]


def key_for(kind: str, *secrets: str) -> str:
    """The store key for browser-held ``secrets``: a hash, never the secret itself."""
    digest = hashlib.sha256("\x1f".join(secrets).encode()).hexdigest()
    return f"{PREFIX}{kind}:{digest}"


class Store(Protocol):
    async def put(self, key: str, value: bytes, ttl_s: int) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def take(self, key: str) -> bytes | None:
        """Get and delete in one atomic step (single use)."""
        ...

    async def delete(self, key: str) -> None: ...


class StoreDown(IdpUnavailable):
    code = "session-store-unavailable"
    title = "Sign-in is unavailable"
    retry_after_s = RETRY_AFTER_S


class RedisStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def put(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            await self.redis.set(key, value, ex=max(1, ttl_s))
        except RedisError as exc:
            raise StoreDown("Sign-in is unavailable right now; please try again shortly.") from exc

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self.redis.get(key)
        except RedisError as exc:
            raise StoreDown("Sign-in is unavailable right now; please try again shortly.") from exc
        return value.encode() if isinstance(value, str) else value

    async def take(self, key: str) -> bytes | None:
        try:
            value = await self.redis.getdel(key)
        except RedisError as exc:
            raise StoreDown("Sign-in is unavailable right now; please try again shortly.") from exc
        return value.encode() if isinstance(value, str) else value

    async def delete(self, key: str) -> None:
        try:
            await self.redis.delete(key)
        except RedisError as exc:
            raise StoreDown("Sign-in is unavailable right now; please try again shortly.") from exc


class MemoryStore:
    """For the single-process demo only (sessions do not survive a restart)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.items: dict[str, tuple[bytes, float]] = {}

    def _live(self, key: str) -> bytes | None:
        item = self.items.get(key)
        if item is None:
            return None
        if item[1] <= self.clock():
            del self.items[key]
            return None
        return item[0]

    async def put(self, key: str, value: bytes, ttl_s: int) -> None:
        if len(self.items) > 10_000:  # bound memory: drop what has expired
            for stale in [k for k, (_, exp) in self.items.items() if exp <= self.clock()]:
                del self.items[stale]
        self.items[key] = (value, self.clock() + max(1, ttl_s))

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def take(self, key: str) -> bytes | None:
        value = self._live(key)
        self.items.pop(key, None)
        return value

    async def delete(self, key: str) -> None:
        self.items.pop(key, None)
