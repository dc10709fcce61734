"""Which failures count as "the node's store is down" (503 with Retry-After) and which stay
what they are: each made for real, against a real server or a closed port."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import httpx
from msgspec.structs import replace
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from network.cache import create_redis
from network.config import Settings
from network.db import create_engine
from network.faults import store_fault
from tests.live import free_port


async def failure_of(work: Awaitable[object]) -> Exception:
    try:
        await work
    except Exception as exc:
        return exc
    raise AssertionError("it did not fail")


async def select_one(engine: AsyncEngine, sql: str = "SELECT 1") -> None:
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def test_a_database_on_a_closed_port_or_too_slow_is_a_store_fault(settings: Settings) -> None:
    closed = replace(settings, database_url=f"postgresql+asyncpg://u@127.0.0.1:{free_port()}/x")
    refused = await failure_of(select_one(create_engine(closed)))
    assert isinstance(refused, OSError)  # raised unwrapped by asyncpg
    assert store_fault(refused) == "database"
    slow = replace(settings, db_statement_timeout_s=0.2)
    cancelled = await failure_of(select_one(create_engine(slow), "SELECT pg_sleep(2)"))
    assert store_fault(cancelled) == "database"  # cancelled by statement_timeout (57014)


async def test_bad_sql_and_the_same_builtin_errors_from_elsewhere_are_not(
    settings: Settings,
) -> None:
    bad_sql = await failure_of(select_one(create_engine(settings), "SELECT nothing FROM nowhere"))
    assert store_fault(bad_sql) is None
    ours = await failure_of(asyncio.wait_for(asyncio.sleep(1), 0.01))
    assert isinstance(ours, TimeoutError)
    assert store_fault(ours) is None
    async with httpx.AsyncClient(timeout=2) as client:
        peer = await failure_of(client.get(f"http://127.0.0.1:{free_port()}/"))
    assert store_fault(peer) is None
    plain = await failure_of(asyncio.open_connection("127.0.0.1", free_port()))
    assert isinstance(plain, ConnectionRefusedError)
    assert store_fault(plain) is None  # refused, but not by the database driver


async def test_redis_on_a_closed_port_is_a_store_fault(settings: Settings) -> None:
    redis = create_redis(replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    assert isinstance(redis, Redis)
    try:
        down = await failure_of(redis.ping())
    finally:
        await redis.aclose()
    assert store_fault(down) == "redis"
