"""Structured logging: JSON lines in prod, readable lines in dev; request id on every line.

Never log secrets, tokens or personal data: log ids and outcomes, not bodies or headers.
"""

from __future__ import annotations

import logging
import sys

import structlog
from sqlalchemy import pool

from network.config import Settings


class OneLineStoreErrors(logging.Filter):
    """SQLAlchemy's pool logs a connection it could not close (its database stopped or frozen)
    with a whole traceback. The node already answers 503 and logs ``store_unavailable`` for
    that, so the pool's record keeps one line: its message and the exception's type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}: {type(record.exc_info[1]).__name__}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


_POOLS = (
    pool.QueuePool,
    pool.AsyncAdaptedQueuePool,
    pool.NullPool,
    pool.StaticPool,
    pool.SingletonThreadPool,
)


def configure_logging(settings: Settings) -> None:
    one_line = OneLineStoreErrors()
    for kind in _POOLS:  # SQLAlchemy logs on one logger per pool class, named as below
        logger = logging.getLogger(f"{kind.__module__}.{kind.__name__}")
        if not any(isinstance(f, OneLineStoreErrors) for f in logger.filters):
            logger.addFilter(one_line)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.is_prod
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[settings.log_level]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
