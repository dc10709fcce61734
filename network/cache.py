"""Redis wiring. Production requires Redis; the demo may run without it (in-memory stores).

One blocking pool per worker, sized by ``redis_max_connections``: a burst beyond it waits up to
``redis_timeout_s`` for a free connection instead of failing at once. Every connect and every
answer is bounded by ``redis_timeout_s`` too. A command that finds its pooled connection
closed (Redis restarted since) reconnects and runs once more, so a restart is never shown to
anyone; a timeout is not retried, so a frozen Redis costs one timeout, not two.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from network.config import Settings


def create_redis(settings: Settings) -> Redis | None:
    if settings.redis_url is None:
        return None
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        socket_timeout=settings.redis_timeout_s,
        retry=Retry(NoBackoff(), retries=1, supported_errors=(RedisConnectionError,)),
    )
    return Redis.from_pool(pool)
