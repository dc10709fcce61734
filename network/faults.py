"""Which exceptions mean that the node's own database or Redis is down, slow or out of
connections: those answer 503 with ``Retry-After`` (the request may simply be tried again),
are logged as one line without a traceback, and are never a 500.

Precise on purpose. A builtin ``TimeoutError`` or ``OSError`` is a store fault only when it
was raised inside the database driver (asyncpg raises both, unwrapped, for a refused or slow
connect and for a statement the server does not answer); the same types from an identity
provider, a peer or our own code are not. A database error is one only when the connection is
lost or the server refuses work for now (SQLSTATE class 08, 53300, 57P01-57P03, 57014), never
for bad SQL or bad data.
"""

from __future__ import annotations

from types import TracebackType
from typing import Final, Literal

import asyncpg
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_errors
from structlog.stdlib import BoundLogger

Store = Literal["database", "redis"]

#: Seconds a client is told to wait before trying again.
RETRY_AFTER_S: Final = 5

#: SQLSTATEs that say "not now" rather than "not this": connection lost or refused, too many
#: connections, server shutting down or starting, statement cancelled by statement_timeout.
_TRANSIENT_SQLSTATES: Final = ("08", "53300", "57P01", "57P02", "57P03", "57014")

#: asyncpg's own client-side errors for a connection that is gone.
_ASYNCPG_LOST: Final = (asyncpg.exceptions.ConnectionDoesNotExistError,)

_REDIS_DOWN: Final = (redis_errors.ConnectionError, redis_errors.TimeoutError)


def _raised_within(traceback: TracebackType | None, package: str) -> bool:
    """Whether any frame the exception passed through belongs to ``package``."""
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and (module == package or module.startswith(package + ".")):
            return True
        traceback = traceback.tb_next
    return False


def _sqlstate(error: BaseException) -> str:
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return state if isinstance(state, str) else ""


def _database_fault(exc: BaseException) -> bool:
    if isinstance(exc, sa_errors.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa_errors.DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    # SQLAlchemy's adapter raises its own error from asyncpg's: look at both.
    for error in (exc, exc.__cause__):
        if isinstance(error, _ASYNCPG_LOST) or (
            error is not None and _sqlstate(error).startswith(_TRANSIENT_SQLSTATES)
        ):
            return True
    return isinstance(exc, (TimeoutError, OSError)) and _raised_within(exc.__traceback__, "asyncpg")


def store_fault(exc: BaseException) -> Store | None:
    """The store whose failure ``exc`` is, or None if it is anything else (a bug, bad input,
    an identity provider or a peer). A group is a store fault when every part of it is one."""
    if isinstance(exc, BaseExceptionGroup):
        stores = {store_fault(part) for part in exc.exceptions}
        return stores.pop() if len(stores) == 1 else None
    if isinstance(exc, _REDIS_DOWN):
        return "redis"
    if _database_fault(exc):
        return "database"
    return None


def log_pass_failure(log: BoundLogger, event: str, exc: Exception) -> None:
    """A background pass that failed: one line while a store is down (the next pass tries
    again by itself), the traceback for anything else."""
    store = store_fault(exc)
    if store is not None:
        log.warning(event, store=store, error_type=type(exc).__name__)
    else:
        log.error(event, error_type=type(exc).__name__, exc_info=exc)
