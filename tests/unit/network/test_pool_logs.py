"""A connection the pool cannot close (its database stopped or frozen) is one log line, never a
traceback: the fault tests read the node's log for tracebacks."""

from __future__ import annotations

import io
import logging

from sqlalchemy.pool import AsyncAdaptedQueuePool

from network.config import Settings
from network.logs import configure_logging


def test_the_pools_failed_close_is_one_line_with_the_exception_type() -> None:
    configure_logging(Settings())
    configure_logging(Settings())  # again, as each app does: still one filter
    logger = logging.getLogger(f"{AsyncAdaptedQueuePool.__module__}.AsyncAdaptedQueuePool")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger.addHandler(handler)
    try:
        try:
            raise TimeoutError
        except TimeoutError:
            logger.error("Exception closing connection %r", "<conn>", exc_info=True)
    finally:
        logger.removeHandler(handler)
    assert out.getvalue() == "Exception closing connection '<conn>': TimeoutError\n"
    assert len(logger.filters) == 1
