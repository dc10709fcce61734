"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from network.http.problems import documented_problems, problem_response
from network.runtime import Runtime
from orgs.errors import FieldError

CHECK_TIMEOUT_S = 2.0


@get("/health/live", include_in_schema=True, tags=["health"], summary="The process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


async def _select_one(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _database_ok(runtime: Runtime) -> bool:
    # The limit covers the pool checkout and the connect too: a frozen server, or a pool
    # that every request is waiting on, is "not ready" within the limit, not after it.
    try:
        await asyncio.wait_for(_select_one(runtime), CHECK_TIMEOUT_S)
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
)
async def ready(state: State) -> Response[bytes] | dict[str, str]:
    runtime = Runtime.of(state)
    database, redis = await asyncio.gather(_database_ok(runtime), _redis_ok(runtime))
    down = [name for name, ok in (("database", database), ("redis", redis)) if not ok]
    if down:
        return problem_response(
            503,
            "not-ready",
            "Not ready",
            f"Not reachable: {', '.join(down)}.",
            [FieldError(name, "not reachable") for name in down],
        )
    return {"status": "ok", "database": "ok", "redis": "ok" if runtime.redis else "not configured"}
