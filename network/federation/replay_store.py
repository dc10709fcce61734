"""Replay caches for federation tokens: Redis in production, memory for the demo."""

from __future__ import annotations

import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from federation.errors import FederationError
from network.faults import RETRY_AFTER_S
from network.logs import get_logger

KEY_PREFIX = "mentornet:fed:jti:"
log = get_logger("mentornet.federation.replay")


class ReplayStoreDown(FederationError):
    """Redis could not say whether a token is new: the message is refused before anything is
    stored, and the sender's next attempt (a fresh token, the same mid) goes through."""

    code = "replay-store-unavailable"
    title = "Messages cannot be accepted right now"
    status = 503
    retry_after_s = RETRY_AFTER_S


class RedisReplayCache:
    """``SET key 1 NX EXAT until``: atomic across every worker of the node."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def first_seen(self, issuer: str, jti: str, until: int) -> bool:
        try:
            stored = await self.redis.set(f"{KEY_PREFIX}{issuer}:{jti}", b"1", nx=True, exat=until)
        except RedisError as exc:
            log.warning("store_unavailable", store="redis", error_type=type(exc).__name__)
            raise ReplayStoreDown(
                "This node cannot check messages for replays right now; send it again shortly."
            ) from exc
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
