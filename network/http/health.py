"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
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


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with runtime.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), CHECK_TIMEOUT_S)
    except Exception:
        return False
    return True


async def _redis_ok(runtime: Runtime) -> bool:
    if runtime.redis is None:
        return True
    try:
        await asyncio.wait_for(runtime.redis.ping(), CHECK_TIMEOUT_S)
    except Exception:
        return False
    return True


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
