"""W3C Trace Context (``traceparent``) across nodes, so that an operator can follow one request
from node to node in the logs (each line has ``trace_id`` beside ``request_id``).

A request continues its caller's trace (a new span of the same trace) or starts one. A message
queued while it runs keeps that trace (in the outbox row), and every delivery attempt sends it
to the peer as its ``traceparent``: the peer's inbox request then logs the same ``trace_id`` as
the member's request that caused it, however much later the delivery happens.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

HEADER: Final = "traceparent"
#: Where an outbox row keeps the trace of the work that queued it (never sent in the message).
OUTBOX_KEY: Final = "_traceparent"
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    flags: str = "01"  # sampled: every hop logs

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> TraceContext:
        """A new span of this trace: the next hop's own."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.flags)

    @staticmethod
    def new() -> TraceContext:
        return TraceContext(secrets.token_hex(16), secrets.token_hex(8))

    @staticmethod
    def parse(value: str | None) -> TraceContext | None:
        """The context a well-formed ``traceparent`` names, else None (then start a new trace,
        as the spec says). Version 00's exact form; a later version's first four fields."""
        match = _TRACEPARENT.fullmatch((value or "").strip())
        if match is None:
            return None
        version, trace_id, span_id, flags, rest = match.groups()
        if version == "ff" or (version == "00" and rest):
            return None
        if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
            return None
        return TraceContext(trace_id, span_id, flags)


#: The trace of the work in hand (an HTTP request, a delivery pass); None outside any.
current: ContextVar[TraceContext | None] = ContextVar("mentornet_trace", default=None)


def outgoing(stored: str | None = None) -> TraceContext:
    """The span of a call to a peer (send its ``traceparent``): a child of ``stored`` (an outbox
    row's), else of the work in hand, else the first span of a new trace."""
    parent = TraceContext.parse(stored) or current.get()
    return parent.child() if parent is not None else TraceContext.new()
