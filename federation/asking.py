"""A mentee asks ranked mentors, in their own organisation or on other nodes: the one use case
the API, the pages and anything else call, so the remote checks can never be skipped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.relationship_outbox import outbox_sink
from federation.remote_candidates import check_remote_targets
from orgs.pairing.requests import MentoringRequest, RequestService, RequestsIn
from orgs.pairing.sharing import read_policy
from orgs.people.members import Member


async def ask_mentors(
    session: AsyncSession, mentee: Member, org_slug: str, data: RequestsIn, now: datetime
) -> list[MentoringRequest]:
    """Each remote target must be a live card of an organisation the mentee's may pair with;
    then the requests open (or queue) as the organisation's settings say."""
    remote = [(i, m.remote.peer, m.remote.handle) for i, m in enumerate(data.mentors) if m.remote]
    if remote:
        policy = await read_policy(session, mentee.org_id)
        await check_remote_targets(session, org_slug, policy, remote, now)
    return await RequestService(session, mentee.org_id, outbox_sink(session)).send(
        mentee, data, now
    )
