"""Names are exchanged only once a request is accepted, and across organisations that means a
real work email: a member with none on record is told so when they act, and nothing is queued
for the other node (an invalid body would otherwise sit in the outbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox import OutboxMessage
from federation.relationship_outbox import outbox_sink
from orgs.db import utcnow
from orgs.errors import IllegalTransition, InvalidInput
from orgs.mentoring.relationship_states import RequestState
from orgs.pairing.requests import (
    MentoringRequest,
    RankedMentor,
    RemoteMentor,
    RequestService,
    RequestsIn,
    receive_remote_request,
)
from tests.integration.relationships.builders import world

PEER = "https://harrow.example"


async def queued(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(OutboxMessage)) or 0


async def test_a_mentee_with_no_work_email_cannot_ask_a_mentor_elsewhere(db: AsyncSession) -> None:
    w = await world(db)
    mentee = w.members["mentee"]
    mentee_id = mentee.id
    mentee.email = ""
    await db.commit()
    data = RequestsIn(
        scheme_id=w.scheme_id,
        mentors=[RankedMentor(remote=RemoteMentor(peer=PEER, handle="h" * 43))],
    )
    with pytest.raises(InvalidInput) as refused:
        await RequestService(db, w.org.org.id, outbox_sink(db)).send(mentee, data, utcnow())
    assert refused.value.errors[0].field == "mentors[0]"
    assert "work email" in refused.value.errors[0].message
    await db.rollback()
    mine = (
        await db.scalars(select(MentoringRequest).where(MentoringRequest.mentee_id == mentee_id))
    ).all()
    assert (mine, await queued(db)) == ([], 0)


async def test_a_mentor_with_no_work_email_is_told_before_accepting_from_elsewhere(
    db: AsyncSession,
) -> None:
    w = await world(db)
    mentor = w.members["mentor1"]
    now = utcnow()
    req = await receive_remote_request(
        db,
        w.org.org.id,
        peer=PEER,
        remote_ref="harrow-request-0002",
        mentor_id=mentor.id,
        summary={"mentee_org": "harrow", "topics": [{"topic": "leadership", "importance": 5}]},
        answer_by=now + timedelta(days=5),
        now=now,
    )
    req_id = req.id
    mentor.email = ""
    await db.commit()
    before = await queued(db)
    with pytest.raises(IllegalTransition, match="work email"):
        await RequestService(db, w.org.org.id, outbox_sink(db)).accept(mentor, req_id, now)
    await db.rollback()
    again = await db.get(MentoringRequest, req_id, populate_existing=True)
    assert again is not None
    assert (again.state, await queued(db)) == (RequestState.OPEN, before)


async def test_a_mentee_with_no_topics_is_told_before_asking_a_mentor_elsewhere(
    db: AsyncSession,
) -> None:
    """No mentee profile (so no topics): the request would be an invalid wire body; the
    mentee is told what to do instead, and nothing is queued."""
    w = await world(db)
    mentee = w.members["mentee"]
    mentee_id = mentee.id
    data = RequestsIn(
        scheme_id=w.scheme_id,
        mentors=[RankedMentor(remote=RemoteMentor(peer=PEER, handle="h" * 43))],
    )
    with pytest.raises(InvalidInput) as refused:
        await RequestService(db, w.org.org.id, outbox_sink(db)).send(mentee, data, utcnow())
    assert refused.value.errors[0].field == "mentors[0]"
    assert "topics" in refused.value.errors[0].message
    await db.rollback()
    mine = (
        await db.scalars(select(MentoringRequest).where(MentoringRequest.mentee_id == mentee_id))
    ).all()
    assert (mine, await queued(db)) == ([], 0)
