"""One pull loop per node, not per worker (issue 15.3): a live node with two workers asks each
peer for its feed once per interval; with the per-peer lock off each worker asks on its own."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from msgspec.structs import replace
from sqlalchemy import func, select

from federation.seen_requests import SeenRequest
from network.config import Settings
from tests.live import free_port, live_node
from tests.nodes import Node, node

PASS = re.compile(r"feed_pass.*?worker[\"=: ]+(\d+)")


def passes(log: Path) -> Counter[str]:
    """Finished feed passes in a node's log, per worker process."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return Counter(match.group(1) for match in PASS.finditer(text))


def wait_for_passes(log: Path, each: int, timeout_s: float = 90) -> Counter[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen = passes(log)
        if len(seen) >= 2 and min(seen.values()) >= each:
            return seen
        time.sleep(0.2)  # polling a live node's log; the assertion is on counts, not time
    raise AssertionError(f"two workers did not each finish {each} feed passes: {passes(log)}")


async def feed_requests(there: Node, consumer: str) -> int:
    """Signed feed requests ``there`` served to ``consumer`` (each one's id is kept)."""
    async with there.runtime.sessionmaker() as session:
        query = select(func.count()).select_from(SeenRequest).where(SeenRequest.issuer == consumer)
        return int(await session.scalar(query) or 0)


@pytest.mark.parametrize(("lock", "each", "expected"), [("on", 2, 1), ("off", 1, 2)])
async def test_two_workers_pull_each_peer_once_per_interval(
    settings: Settings,
    theirs: Node,
    peer_port: int,
    tmp_path: Path,
    lock: str,
    each: int,
    expected: int,
) -> None:
    port = free_port()
    here = node(settings, f"http://127.0.0.1:{port}")
    try:
        await theirs.pin(here)
        await here.pin(theirs)
        log = tmp_path / "here.log"
        live = replace(
            here.settings,
            outbox_worker=True,
            jobs_worker=False,
            feed_pull_lock=lock == "on",
            log_level="INFO",  # the feed passes are logged at INFO
        )
        with (
            live_node(theirs.settings, port=peer_port),
            live_node(live, "--workers", "2", port=port, log=log),
        ):
            # With the lock each worker wakes every few seconds and asks the schedule: two
            # passes each means both asked after the first pull had been recorded.
            wait_for_passes(log, each)
            served = await feed_requests(theirs, here.settings.base_url)
    finally:
        await here.runtime.close()
    # With the lock each peer is asked exactly once; without it each worker asks on its own
    # (at least once each, and again 30 s after a failure of its own).
    assert served == expected if lock == "on" else served >= expected
