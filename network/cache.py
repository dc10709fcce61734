"""Redis wiring. Production requires Redis; the demo may run without it (in-memory stores)."""

from __future__ import annotations

from redis.asyncio import Redis

from network.config import Settings


def create_redis(settings: Settings) -> Redis | None:
    if settings.redis_url is None:
        return None
    return Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
