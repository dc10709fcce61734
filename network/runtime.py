"""The node's shared resources, built once by the app factory and kept in app state."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import State
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.candidate_cache import CandidateCache
from federation.local_delivery import wait_running
from federation.replay import ReplayCache
from network.config import Settings
from network.metrics import pool_disposed
from network.rate_limits import RateLimits


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    replay: ReplayCache
    candidates: CandidateCache
    limits: RateLimits
    #: The steady size of this worker's database pool, as counted in the node's metrics.
    pool_size: int = 0

    @staticmethod
    def of(state: State) -> Runtime:
        runtime: Runtime = state["runtime"]
        return runtime

    async def close(self) -> None:
        await wait_running()  # in-process deliveries finish before their engine goes
        await self.engine.dispose()
        pool_disposed(self.pool_size)
        if self.redis is not None:
            await self.redis.aclose()
