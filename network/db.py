"""Database wiring: the async engine and session factory for the configured URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from network.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.uses_sqlite:
        engine = create_async_engine(settings.database_url)
        _enforce_sqlite_foreign_keys(engine)
        return engine
    return create_async_engine(
        settings.database_url, pool_pre_ping=True, pool_size=10, max_overflow=10
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Rows stay readable after commit: handlers map them to responses after the commit.
    return async_sessionmaker(engine, expire_on_commit=False)


def _enforce_sqlite_foreign_keys(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
