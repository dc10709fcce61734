"""A mentee asks ranked mentors, in their own organisation or on other nodes: the one use case
the API, the pages and anything else call, so the remote checks can never be skipped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.org_names import org_display_name
from federation.relationship_outbox import outbox_sink
from federation.remote_candidates import check_remote_targets
from federation.remote_cards import RemoteCards
from federation.trust import normalise_node_id
from orgs.pairing.requests import MentoringRequest, RequestService, RequestsIn
from orgs.pairing.sharing import read_policy
from orgs.people.members import Member


async def ask_mentors(
    session: AsyncSession,
    mentee: Member,
    org_slug: str,
    data: RequestsIn,
    now: datetime,
    here: str | None = None,
) -> list[MentoringRequest]:
    """Each remote target must be a live card of an organisation the mentee's may pair with;
    then the requests open (or queue) as the organisation's settings say."""
    remote = [(i, m.remote.peer, m.remote.handle) for i, m in enumerate(data.mentors) if m.remote]
    if remote:
        policy = await read_policy(session, mentee.org_id)
        await check_remote_targets(session, org_slug, policy, remote, now, here)
    rows = await RequestService(session, mentee.org_id, outbox_sink(session)).send(
        mentee, data, now
    )
    for row in rows:  # the mentee sees which organisation each mentor they asked is at
        if row.remote_peer is not None and row.remote_handle is not None:
            card = await RemoteCards(session).find(
                normalise_node_id(row.remote_peer), row.remote_handle, now
            )
            if card is not None:
                row.counterpart_org = await org_display_name(session, card.peer, card.org)
    await session.flush()
    return rows
