"""W3C Trace Context: what a traceparent must look like to be continued."""

from __future__ import annotations

import pytest

from federation.trace_context import TraceContext, current, outgoing

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def test_a_well_formed_traceparent_is_continued_with_a_new_span_of_the_same_trace() -> None:
    parsed = TraceContext.parse(f"00-{TRACE}-{SPAN}-01")
    assert parsed == TraceContext(TRACE, SPAN, "01")
    child = parsed.child()
    assert (child.trace_id, child.flags) == (TRACE, "01")
    assert child.span_id != SPAN
    assert TraceContext.parse(child.traceparent) == child
    # A later version is read by its first four fields, as the spec asks.
    assert TraceContext.parse(f"01-{TRACE}-{SPAN}-00-more") == TraceContext(TRACE, SPAN, "00")


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        f"00-{TRACE}-{SPAN}",
        f"00-{TRACE.upper()}-{SPAN}-01",
        f"00-{'0' * 32}-{SPAN}-01",
        f"00-{TRACE}-{'0' * 16}-01",
        f"ff-{TRACE}-{SPAN}-01",
        f"00-{TRACE}-{SPAN}-01-extra",
        f"00-{TRACE[:-1]}-{SPAN}-01",
    ],
)
def test_anything_else_starts_a_new_trace(value: str | None) -> None:
    assert TraceContext.parse(value) is None


def test_a_call_to_a_peer_continues_the_stored_trace_else_the_current_one_else_a_new_one() -> None:
    stored = f"00-{TRACE}-{SPAN}-01"
    assert outgoing(stored).trace_id == TRACE
    fresh = outgoing(None)
    assert fresh.trace_id != TRACE
    assert len(fresh.trace_id) == 32
    assert len(fresh.span_id) == 16
    token = current.set(TraceContext("a" * 32, "b" * 16))
    try:
        assert outgoing(None).trace_id == "a" * 32
        assert outgoing(stored).trace_id == TRACE  # the row's own trace wins
    finally:
        current.reset(token)
