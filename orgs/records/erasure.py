"""Erasure across the rooms of an org: the member's tombstone (``orgs.people.erasure``), their own
words in requests, relationships and applications, and every other copy of their name, email
and audit label on this node (``orgs.redaction``).

Requests, relationships and applications stay (the other party's record, the scheme's
statistics), with what the erased person wrote or asked for removed: the message to a mentor
and the request summary (a copy of the mentee profile that is deleted), the reason they gave
when declining or ending, and what they wrote when applying. A remote counterpart's name on
the same records is that other person's, and stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.mentoring.follow_ups import forget_follow_ups
from orgs.mentoring.relationships import Party, Relationship
from orgs.pairing.requests import MentoringRequest
from orgs.people.erasure import Erased, erase_member
from orgs.redaction import redact_everywhere
from orgs.schemes.applications import Application

#: Tables the sweep must not rewrite: the tombstone is written above, and another member who
#: shares the name keeps theirs.
SKIP: frozenset[str] = frozenset({"members"})


async def _forget_their_words(
    session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    await session.execute(
        update(MentoringRequest)
        .where(MentoringRequest.org_id == org_id, MentoringRequest.mentee_id == member_id)
        .values(message="", remote_summary={})
    )
    await session.execute(
        update(MentoringRequest)
        .where(MentoringRequest.org_id == org_id, MentoringRequest.mentor_id == member_id)
        .values(decline_reason="")
    )
    for party, column in (
        (Party.MENTEE, Relationship.mentee_id),
        (Party.MENTOR, Relationship.mentor_id),
    ):
        await session.execute(
            update(Relationship)
            .where(
                Relationship.org_id == org_id, column == member_id, Relationship.ended_by == party
            )
            .values(end_reason="")
        )
    await session.execute(
        update(Application)
        .where(Application.org_id == org_id, Application.member_id == member_id)
        .values(career_to_date="", hoped_gains="", offer="", exception_reason="")
    )


async def erase_person(
    session: AsyncSession,
    org_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    by: ActorRef,
    now: datetime,
    skip: Collection[str] = (),
) -> Erased:
    """Erase a member of ``org_id`` from this node. ``skip`` names more tables the sweep must
    leave to their owner (the federation's signed and queued messages)."""
    await _forget_their_words(session, org_id, member_id)
    await forget_follow_ups(session, org_id, member_id)  # their answers leave every count
    erased = await erase_member(session, org_id, member_id, by, now)
    await redact_everywhere(session, erased.needles, skip=SKIP | set(skip))
    return erased
