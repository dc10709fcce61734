"""Propagating a member's erasure to every peer that received data about them.

A mentor's cards went to each consumer under its own handle (the feed's entries record which);
cross-node requests and relationships went to one peer each, named by their shared request id.
One ``member.erase`` per peer names those ids and nobody. Once the member's profile is gone,
the next feed sync also turns their cards into tombstones.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.feed import FeedEntry
from federation.outbox import Outbox
from orgs.mentoring.relationships import Relationship
from orgs.pairing.requests import MentoringRequest

MAX_IDS = 1000  # per message, by the wire schema


async def propagate_erasure(session: AsyncSession, member_id: uuid.UUID) -> dict[str, int]:
    """Queue ``member.erase`` for each peer that holds data about ``member_id``; returns
    {peer: number of ids named}."""
    handles: dict[str, list[str]] = defaultdict(list)
    for entry in await session.scalars(select(FeedEntry).where(FeedEntry.mentor_id == member_id)):
        handles[entry.consumer].append(entry.handle)
    refs: dict[str, set[str]] = defaultdict(set)
    for table in (MentoringRequest, Relationship):
        rows = await session.execute(
            select(table.remote_peer, table.remote_ref).where(
                table.remote_peer.is_not(None),
                table.remote_ref.is_not(None),
                or_(table.mentee_id == member_id, table.mentor_id == member_id),
            )
        )
        for peer, ref in rows:
            refs[str(peer)].add(str(ref))
    outbox = Outbox(session)
    sent: dict[str, int] = {}
    for peer in sorted(set(handles) | set(refs)):
        peer_handles, peer_refs = sorted(handles[peer]), sorted(refs[peer])
        for start in range(0, max(len(peer_handles), len(peer_refs)), MAX_IDS):
            outbox.enqueue(
                peer,
                "member.erase",
                {
                    "handles": peer_handles[start : start + MAX_IDS],
                    "request_ids": peer_refs[start : start + MAX_IDS],
                },
            )
        sent[peer] = len(peer_handles) + len(peer_refs)
    await session.flush()
    return sent
