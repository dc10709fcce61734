"""Candidate indexes kept between requests, per org and scheme, and never stale.

A suggestions request used to read every mentor, count each one's relationships, reload every
remote card and rebuild the engine's index. Now each worker keeps parts, each tagged with the
database's change stamp (``orgs.pairing.stamps``) it was read at:

- an org's approved mentors for one scheme and day (``people``: profiles, members,
  applications, schemes);
- the org's live relationships per mentor (``capacity``);
- the node's live remote cards (``remote``; and only until the first of them expires);
- each mentee's side: profile, approval, chains, never-again pairs, the org's policy
  (``mentees``);

and, built from the first three, one index per (org, scheme, day, scheme kind, the org's
sharing policy for remote cards). A request reads the stamps (one query) and uses a part only
while its stamp is at or below the part's; a part that is behind is read again alone (a
capacity change reads one GROUP BY, not every profile) and the index is rebuilt from the parts.
Reads for the cache run in a session of their own, so a request's uncommitted writes never
enter it. Where the database keeps no stamps (SQLite, the demo) nothing is cached: every
request reads its candidates afresh, with the same constant number of queries.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.remote_candidates import (
    LiveCards,
    RemotePool,
    allowed_pool,
    live_cards,
    wants_remote,
)
from matching.ranking import CandidateIndex
from orgs.mentoring.relationships import live_counts
from orgs.pairing.candidates import (
    LocalMentor,
    MenteeSide,
    MentorView,
    mentee_side,
    org_mentors,
    with_capacity,
)
from orgs.pairing.stamps import Stamps, read_stamps, watched
from orgs.people.members import Member

#: Parts and indexes kept per worker (and mentees' sides); the least recently used go first.
MAX_ENTRIES = 128
MAX_MENTEES = 20_000


@dataclass(frozen=True)
class Suggestable:
    """What one request ranks over, and what the mentee may see of each candidate."""

    index: CandidateIndex
    local: Mapping[str, MentorView]
    remote: RemotePool


@dataclass(frozen=True, eq=False)
class _Part:
    stamp: int
    value: Any
    until: datetime | None = None  # remote cards: read again once the first one expires

    def fresh(self, stamp: int, now: datetime) -> bool:
        return self.stamp >= stamp and (self.until is None or now < self.until)


@dataclass(frozen=True, eq=False)
class _Entry:
    parts: tuple[_Part | None, ...]
    value: Suggestable


class _Lru(OrderedDict[Hashable, Any]):
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        super().__init__()
        self.size = size

    def use(self, key: Hashable) -> Any:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found

    def keep(self, key: Hashable, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


Load = Callable[[AsyncSession], Awaitable[tuple[Any, datetime | None]]]


class CandidateCache:
    """One per worker (in the node's runtime)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], here: str | None = None) -> None:
        self._sessions = sessions
        self._here = here  # this node's id: its own feed's cards are offered too
        self._parts = _Lru()
        self._mentees = _Lru(MAX_MENTEES)
        self._entries = _Lru()
        self._lock = asyncio.Lock()  # one index rebuild at a time; a hit never waits for it
        self._watched: bool | None = None
        self.reads = 0  # parts read from the database, for tests

    async def prepare(
        self, db: AsyncSession, member: Member, scheme_slug: str | None, now: datetime
    ) -> tuple[MenteeSide, Suggestable | None]:
        """The mentee's side, and what to rank over unless they are blocked."""
        if self._watched is None:
            self._watched = await watched(db)
        if not self._watched:
            return await _uncached(db, member, scheme_slug, now, self._here)
        stamps = await read_stamps(db, member.org_id)

        async def side_of(session: AsyncSession) -> tuple[MenteeSide, None]:
            return await mentee_side(session, member, scheme_slug, now.date()), None

        key = (member.org_id, member.id, scheme_slug, now.date())
        side: MenteeSide = (
            await self._part(self._mentees, key, stamps.mentees, now, side_of)
        ).value
        if side.mentee is None or side.blocked is not None:
            return side, None
        return side, await self._suggestable(side, stamps, now)

    async def _suggestable(self, side: MenteeSide, stamps: Stamps, now: datetime) -> Suggestable:
        key = _entry_key(side, now.date())
        entry: _Entry | None = self._entries.use(key)
        if entry is not None and _still_fresh(entry, stamps, now):
            return entry.value
        async with self._lock:
            parts = await self._current_parts(side, stamps, now)
            entry = self._entries.use(key)
            if entry is None or entry.parts != parts:
                entry = _Entry(parts, _suggestable(side, *parts))
                self._entries.keep(key, entry)
            return entry.value

    async def _current_parts(
        self, side: MenteeSide, stamps: Stamps, now: datetime
    ) -> tuple[_Part | None, ...]:
        today = now.date()
        org, scheme = side.org_id, side.scheme_id

        async def mentors(session: AsyncSession) -> tuple[Any, None]:
            return await org_mentors(session, org, scheme, today=today), None

        async def capacity(session: AsyncSession) -> tuple[Any, None]:
            live = await live_counts(session, org)
            return {str(mentor): count for mentor, count in live.items()}, None

        async def cards(session: AsyncSession) -> tuple[Any, datetime | None]:
            found = await live_cards(session, now, self._here)
            return found, found.until

        assert side.mentee is not None
        remote = None
        if wants_remote(side.mentee, side.policy):
            remote = await self._part(self._parts, ("remote",), stamps.remote, now, cards)
        people = ("people", org, scheme, today)
        return (
            await self._part(self._parts, people, stamps.people, now, mentors),
            await self._part(self._parts, ("capacity", org), stamps.capacity, now, capacity),
            remote,
        )

    async def _part(
        self, kept: _Lru, key: Hashable, stamp: int, now: datetime, load: Load
    ) -> _Part:
        part: _Part | None = kept.use(key)
        if part is None or not part.fresh(stamp, now):
            # Read after the stamps: what is read is at least as new as ``stamp``.
            async with self._sessions() as session:
                value, until = await load(session)
            self.reads += 1
            part = _Part(stamp, value, until)
            kept.keep(key, part)
        return part


def _entry_key(side: MenteeSide, today: date) -> Hashable:
    assert side.mentee is not None
    policy = msgspec.json.encode(side.policy) if wants_remote(side.mentee, side.policy) else None
    return (side.org_id, side.scheme_id, today, side.scheme_kind, policy)


def _still_fresh(entry: _Entry, stamps: Stamps, now: datetime) -> bool:
    people, capacity, remote = entry.parts
    return (
        people is not None
        and people.fresh(stamps.people, now)
        and capacity is not None
        and capacity.fresh(stamps.capacity, now)
        and (remote is None or remote.fresh(stamps.remote, now))
    )


def _suggestable(
    side: MenteeSide, people: _Part | None, capacity: _Part | None, remote: _Part | None
) -> Suggestable:
    assert people is not None
    assert capacity is not None
    cards: LiveCards = remote.value if remote is not None else LiveCards((), None)
    return _rank_over(side, people.value, capacity.value, cards)


def _rank_over(
    side: MenteeSide, mentors: list[LocalMentor], live: Mapping[str, int], cards: LiveCards
) -> Suggestable:
    assert side.mentee is not None
    pool = allowed_pool(cards, side.mentee, side.policy, side.org_id)
    local = [with_capacity(m.profile, live.get(m.profile.id, 0)) for m in mentors]
    return Suggestable(
        CandidateIndex.build([*local, *pool.mentors], scheme=side.scheme_kind),
        {m.profile.id: m.view for m in mentors},
        pool,
    )


async def _uncached(
    db: AsyncSession, member: Member, scheme_slug: str | None, now: datetime, here: str | None
) -> tuple[MenteeSide, Suggestable | None]:
    """Everything read afresh in the request's own session (no stamps to trust)."""
    side = await mentee_side(db, member, scheme_slug, now.date())
    if side.mentee is None or side.blocked is not None:
        return side, None
    mentors = await org_mentors(db, side.org_id, side.scheme_id, today=now.date())
    live = {str(k): v for k, v in (await live_counts(db, side.org_id)).items()}
    cards = LiveCards((), None)
    if wants_remote(side.mentee, side.policy):
        cards = await live_cards(db, now, here)
    return side, _rank_over(side, mentors, live, cards)
