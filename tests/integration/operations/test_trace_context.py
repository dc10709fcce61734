"""An operator follows one request from node to node: the member's request on our node and the
peer's handling of the message it queued log the same ``trace_id``, however much later the
delivery happens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from msgspec.structs import replace
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox import OutboxMessage
from federation.trace_context import OUTBOX_KEY, TraceContext
from network.federation.delivery import deliver_due
from orgs.db import utcnow
from orgs.pairing.requests import receive_remote_request
from tests.integration.relationships.builders import Client, ok, world
from tests.live import live_node
from tests.nodes import Node

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def inbox_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "path=/federation/v1/inbox" in line]


async def test_the_peer_logs_the_trace_of_the_member_request_that_queued_its_message(
    client: Client, db: AsyncSession, ours: Node, theirs: Node, peer_port: int, tmp_path: Path
) -> None:
    await ours.pin(theirs)
    await theirs.pin(ours)
    w = await world(db)
    now = utcnow()
    incoming = await receive_remote_request(
        db,
        w.org.org.id,
        peer=theirs.settings.base_url,
        remote_ref="their-request-0001",
        mentor_id=w.members["mentor1"].id,
        summary={"mentee_org": "harrow", "topics": [{"topic": "leadership", "importance": 5}]},
        answer_by=now + timedelta(days=5),
        now=now,
    )
    await db.commit()
    # The mentor accepts behind a proxy that traces (a traceparent names no person).
    await ok(
        await client.post(
            f"/api/v1/requests/{incoming.id}/accept",
            headers={**w.as_("mentor1"), "traceparent": f"00-{TRACE}-{CALLER_SPAN}-01"},
        ),
        201,
    )
    [row] = (await db.scalars(select(OutboxMessage))).all()
    kept = TraceContext.parse(row.body[OUTBOX_KEY])
    assert kept is not None
    assert kept.trace_id == TRACE
    assert kept.span_id != CALLER_SPAN  # our request's own span

    log = tmp_path / "theirs.log"
    with live_node(replace(theirs.settings, log_level="INFO"), log=log, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as http:
            # Delivered an hour on: the trace is the row's, not the delivery pass's.
            later = datetime.now(UTC) + timedelta(hours=1)
            report = await deliver_due(ours.runtime, later, http)
    assert report.delivered + report.failed == 1, report.errors
    [line] = inbox_lines(log)
    assert f"trace_id={TRACE}" in line
    parent = re.search(r"parent_span_id=([0-9a-f]{16})", line)
    assert parent is not None
    assert parent.group(1) != kept.span_id
