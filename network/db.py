"""Database wiring: the async engine and session factory for the configured URL.

On PostgreSQL nothing waits longer than the settings allow: opening a connection
(``db_connect_timeout_s``), one statement (``db_statement_timeout_s``, enforced by the server,
and by the client a second later for a server that does not answer at all) and a free pooled
connection (``db_pool_timeout_s``). What a request sees when they run out: ``network.faults``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
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
    return create_async_engine(
        settings.database_url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_s,
        connect_args=connect_args,
    )


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


def _enforce_sqlite_foreign_keys(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
