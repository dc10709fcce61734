"""Database wiring: the async engine and session factory for the configured URL.

On PostgreSQL nothing waits longer than the settings allow: opening a connection
(``db_connect_timeout_s``), one statement (``db_statement_timeout_s``, enforced by the server,
and by the client a second later for a server that does not answer at all) and a free pooled
connection (``db_pool_timeout_s``). What a request sees when they run out: ``network.faults``.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from federation.local_delivery import watch
from network.config import Settings

#: The client waits this much longer than the server's own statement_timeout, so that a slow
#: statement is cancelled by the server (the connection stays usable) before the client gives up.
CLIENT_MARGIN_S = 1.0

#: A pooled connection idle for longer than this is pinged before use (a restarted PostgreSQL
#: leaves the pool's connections closed). One busy within it is not: the ping is three round
#: trips (BEGIN, a query, ROLLBACK, so that it also works behind PgBouncer), more than a whole
#: authenticated read costs, and a connection that just answered is alive.
PING_AFTER_IDLE_S = 2.0


def create_engine(settings: Settings, *, statement_timeout: bool = True) -> AsyncEngine:
    """The engine for ``settings``; ``statement_timeout=False`` for operator commands (the CLI),
    whose single long statements are expected and have nobody waiting on a web page."""
    if settings.uses_sqlite:
        engine = create_async_engine(settings.database_url)
        _enforce_sqlite_foreign_keys(engine)
        return engine
    connect_args: dict[str, Any] = {"timeout": settings.db_connect_timeout_s}
    if statement_timeout:
        milliseconds = round(settings.db_statement_timeout_s * 1000)
        connect_args["server_settings"] = {"statement_timeout": str(milliseconds)}
        connect_args["command_timeout"] = settings.db_statement_timeout_s + CLIENT_MARGIN_S
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_s,
        connect_args=connect_args,
    )
    _ping_idle_connections(engine)
    return engine


def create_sessionmaker(
    engine: AsyncEngine, settings: Settings | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``. With ``settings`` (a node that runs), a message queued for an
    organisation of this very node is delivered in-process once its transaction commits
    (``federation.local_delivery``); without, it waits in the outbox for the delivery loop."""
    if settings is None:
        # Rows stay readable after commit: handlers map them to responses after the commit.
        return async_sessionmaker(engine, expire_on_commit=False)
    session_class = type("NodeSession", (Session,), {})  # its own class: its own listeners
    sessions = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)
    watch(session_class, sessions, settings.base_url)  # the node id (network.federation.wiring)
    return sessions


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """SQLAlchemy's ``pool_pre_ping`` pings on every checkout; this pings only connections that
    sat idle (SQLAlchemy's documented pessimistic-disconnect recipe, with a threshold). A failed
    ping makes the pool drop that connection and open another, so the caller never sees it."""

    @event.listens_for(engine.sync_engine, "connect")
    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error


def _enforce_sqlite_foreign_keys(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
