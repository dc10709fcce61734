"""Change stamps of what suggestions are built from, kept by the database itself.

A counter per (kind, org) that PostgreSQL triggers (migration 0012) move whenever a row a
candidate index is built from changes: whichever code path, process or operator command wrote
it. The triggers are deferred constraint triggers: the bump runs at commit, in the writer's
transaction, so a reader never sees a stamp without the data it covers, and the stamp row is
locked only for the commit itself (once per kind and org per transaction).

A reader reads the stamps first and the data after; data read later is at least as new as the
stamps, so a cache built that way and kept while the stamps stay at or below what it was built
at never misses a committed change. SQLite (the demo) has no such triggers: ``watched`` says
whether a database keeps the stamps, and without them nothing may be cached.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import BigInteger, String, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base

#: The org id of node-wide stamps (remote cards and peers belong to no org of ours).
NODE = uuid.UUID(int=0)


class StampKind(StrEnum):
    PEOPLE = "people"  # an org's mentors: profiles, members, applications, schemes
    CAPACITY = "capacity"  # an org's mentoring relationships
    MENTEES = "mentees"  # what a mentee's side is read from: the above, and more (WATCHED)
    REMOTE = "remote"  # cards from peers, and the peers (node-wide)


@dataclass(frozen=True)
class Watch:
    org_column: str | None  # None: node-wide
    kinds: tuple[StampKind, ...]
    columns: tuple[str, ...] | None  # an UPDATE of these (None: of any column) counts


_BOTH = (StampKind.PEOPLE, StampKind.MENTEES)

#: What each table's writes bump. The migration creates one trigger per table; ``watched``
#: checks they are all there. A mentee's side filters chains to people with a mentor profile,
#: so mentor profiles bump it too.
WATCHED: dict[str, Watch] = {
    "mentor_profiles": Watch("org_id", _BOTH, None),
    "members": Watch(
        "org_id",
        _BOTH,
        ("status", "given_name", "family_name", "job_title", "department", "manager_id"),
    ),
    "applications": Watch("org_id", _BOTH, ("state", "role", "scheme_id", "member_id")),
    "schemes": Watch("org_id", _BOTH, None),
    "mentee_profiles": Watch("org_id", (StampKind.MENTEES,), None),
    "never_again_pairs": Watch("org_id", (StampKind.MENTEES,), None),
    "orgs": Watch("id", (StampKind.MENTEES,), ("name", "settings")),
    "mentoring_relationships": Watch("org_id", (StampKind.CAPACITY,), ("state", "mentor_id")),
    "federation_remote_cards": Watch(None, (StampKind.REMOTE,), None),
    "peers": Watch(None, (StampKind.REMOTE,), None),
}


def trigger_name(table: str) -> str:
    return f"candidate_stamp_{table}"


class CandidateStamp(Base):
    __tablename__ = "candidate_stamps"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True)
class Stamps:
    people: int
    capacity: int
    mentees: int
    remote: int


async def read_stamps(session: AsyncSession, org_id: uuid.UUID) -> Stamps:
    """The org's stamps and the node's remote one, in one query (0 where never bumped)."""
    rows = await session.execute(
        select(CandidateStamp.kind, CandidateStamp.version).where(
            or_(
                and_(
                    CandidateStamp.org_id == org_id,
                    CandidateStamp.kind.in_(
                        [StampKind.PEOPLE, StampKind.CAPACITY, StampKind.MENTEES]
                    ),
                ),
                and_(CandidateStamp.org_id == NODE, CandidateStamp.kind == StampKind.REMOTE),
            )
        )
    )
    found: dict[str, int] = dict(rows.all())
    return Stamps(
        people=found.get(StampKind.PEOPLE, 0),
        capacity=found.get(StampKind.CAPACITY, 0),
        mentees=found.get(StampKind.MENTEES, 0),
        remote=found.get(StampKind.REMOTE, 0),
    )


async def watched(session: AsyncSession) -> bool:
    """Does this database keep the stamps: PostgreSQL with every trigger of ``WATCHED``?"""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    names = await session.scalars(
        text(
            "SELECT tgname FROM pg_trigger"
            " WHERE tgname LIKE 'candidate_stamp_%' AND tgenabled <> 'D'"
        )
    )
    return {trigger_name(table) for table in WATCHED} <= set(names)
