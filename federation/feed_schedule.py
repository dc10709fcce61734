"""When this node pulls a peer's feed: once per interval per peer for the whole node, however
many workers run the feed loop (issue 15.3).

Every worker's loop asks the schedule about every peer; the first to ask takes a per-peer
advisory lock (PostgreSQL, held until its pull commits) and, if the peer is due, notes
``last_attempt_at`` in the same transaction. A worker asking meanwhile is refused the lock;
one asking after the commit sees the attempt. A peer whose last pull failed is due again
after ``retry_s``, not a whole interval. With ``lock`` off every worker pulls every peer on
its own timer, as before (kept for comparison: ``MENTORNET_FEED_PULL_LOCK=off``). SQLite (the
one-process demo) has no rival to lock out, but the time of the last attempt still counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from federation.remote_cards import FeedState, RemoteCards


@dataclass(frozen=True)
class Schedule:
    interval_s: float
    retry_s: float
    lock: bool = True

    async def due(self, session: AsyncSession, peers: Sequence[str], now: datetime) -> list[str]:
        """The peers worth claiming now (one query): a worker's pass skips the rest without a
        transaction each. ``claim`` decides, under the lock."""
        if not self.lock:
            return list(peers)
        rows = await session.execute(
            select(FeedState.peer, FeedState.last_attempt_at, FeedState.last_error)
        )
        last = {peer: (at, error) for peer, at, error in rows}
        return [
            peer
            for peer in peers
            if peer not in last or self._due(last[peer][0], last[peer][1], now)
        ]

    def _due(self, attempted: datetime | None, error: str, now: datetime) -> bool:
        if attempted is None:
            return True
        wait = self.retry_s if error else self.interval_s
        return now >= attempted + timedelta(seconds=wait)

    async def claim(self, session: AsyncSession, peer: str, now: datetime) -> bool:
        """Whether this transaction pulls ``peer`` now; if so its attempt is recorded."""
        if not self.lock:
            return True
        if session.get_bind().dialect.name == "postgresql":
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"mentornet:feed:{peer}"},
            )
            if not locked:
                return False  # another worker is pulling it right now
        state = await RemoteCards(session).state(peer)
        if not self._due(state.last_attempt_at, state.last_error, now):
            return False
        state.last_attempt_at = now
        await session.flush()
        return True
