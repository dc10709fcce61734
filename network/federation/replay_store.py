"""Replay caches for federation tokens: Redis in production, memory for the demo."""

from __future__ import annotations

import time

from redis.asyncio import Redis

KEY_PREFIX = "mentornet:fed:jti:"


class RedisReplayCache:
    """``SET key 1 NX EXAT until``: atomic across every worker of the node."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def first_seen(self, issuer: str, jti: str, until: int) -> bool:
        stored = await self.redis.set(f"{KEY_PREFIX}{issuer}:{jti}", b"1", nx=True, exat=until)
        return bool(stored)


class MemoryReplayCache:
    """For the single-process demo: forgets entries once their token has expired."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    async def first_seen(self, issuer: str, jti: str, until: int) -> bool:
        now = int(time.time())
        self._seen = {key: exp for key, exp in self._seen.items() if exp >= now}
        if (issuer, jti) in self._seen:
            return False
        self._seen[(issuer, jti)] = until
        return True
