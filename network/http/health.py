"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Literal

import msgspec
from litestar import get
from litestar.datastructures import State
from sqlalchemy import text

from network.http.openapi import PublicOperation
from network.http.problems import documented_problems
from network.runtime import Runtime
from orgs.errors import FieldError, Unavailable

CHECK_TIMEOUT_S = 2.0


class Live(msgspec.Struct, frozen=True):
    status: Literal["ok"] = "ok"


class Ready(msgspec.Struct, frozen=True):
    status: Literal["ok"]
    database: Literal["ok"]
    redis: Literal["ok", "not configured"]


class NotReady(Unavailable):
    code = "not-ready"
    title = "Not ready"


@get(
    "/health/live",
    tags=["health"],
    summary="The process is up",
    operation_class=PublicOperation,
)
async def live() -> Live:
    return Live()


#: Checks that ran over the limit, kept until they end by their own timeouts.
_late: set[asyncio.Future[object]] = set()


def _forget(check: asyncio.Future[object]) -> None:
    _late.discard(check)
    if not check.cancelled():
        check.exception()  # a late failure is no news: the probe has already said so


async def _answers_in_time(work: Awaitable[object]) -> bool:
    """Whether ``work`` succeeds within the limit, all of it (pool checkout and connect
    included). Work that runs over is not cancelled but left to end by its own timeouts:
    cancelling would make the probe wait for the clean-up on a server that does not answer."""
    check = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({check}, timeout=CHECK_TIMEOUT_S)
    if not done:
        _late.add(check)
        check.add_done_callback(_forget)
        return False
    return not check.cancelled() and check.exception() is None


async def _select_one(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _database_ok(runtime: Runtime) -> bool:
    return await _answers_in_time(_select_one(runtime))


async def _redis_ok(runtime: Runtime) -> bool:
    return runtime.redis is None or await _answers_in_time(runtime.redis.ping())


@get(
    "/health/ready",
    tags=["health"],
    summary="The database and Redis answer",
    responses=documented_problems(503),
    operation_class=PublicOperation,
)
async def ready(state: State) -> Ready:
    runtime = Runtime.of(state)
    database, redis = await asyncio.gather(_database_ok(runtime), _redis_ok(runtime))
    down = [name for name, ok in (("database", database), ("redis", redis)) if not ok]
    if down:
        raise NotReady(
            f"Not reachable: {', '.join(down)}.",
            tuple(FieldError(name, "not reachable") for name in down),
        )
    return Ready("ok", "ok", "ok" if runtime.redis else "not configured")
