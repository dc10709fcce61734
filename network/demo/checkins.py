"""Demo data for check-ins and review points (issue 19): on node B, one mentoring relationship of
Nottingham City Homes' pilot that started 40 days ago, so that its first check-in (30 days in,
``network.demo.equality`` sets 30 then every 60) has been sent, by the jobs pass itself run
with the clock of that day, and the mentor's answer flags it on the coordinator's health view;
and a review point, agreed at the first meeting, ten days from now, whose reminder the jobs
loop sends a week before.

The pair is the demo mentee and the HR director, both people of NCH's dev IdP with approved
applications (the HR director as a mentor, ``network.demo.federation``): the demo mentor stays
free for the journey in which they accept a Brent mentee's request. It is made as a visitor
would make it: the mentee asks, the mentor accepts, both agree and confirm the first-meeting
agreement, each on its day in the past.

Idempotent: each step is done only while its result is missing (the pair's relationship, its
check-ins, an answered one), so running the demo again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from federation.relationship_outbox import outbox_sink
from network.jobs import run_once
from network.runtime import Runtime
from orgs.mentoring.agreements import (
    AgreementIn,
    ConfirmIn,
    ContactBy,
    confirm_agreement,
    edit_agreement,
)
from orgs.mentoring.checkins import Checkin, CheckinAnswerIn, Checkins, answer_checkin
from orgs.mentoring.relationships import Relationship, Relationships
from orgs.mentoring.review_points import ReviewPointIn, add_review_point
from orgs.pairing.requests import RankedMentor, RequestService, RequestsIn
from orgs.people.members import Member, MemberRepository
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import SchemeService

MENTEE_POST, MENTOR_POST = "mentee", "hr_director"
STARTED_DAYS_AGO = 40
REVIEW_IN_DAYS = 10
#: The jobs pass that sent the first check-in ran the day after it fell due; the mentor
#: answered the day after (the mentee's is left for the visitor to answer).
SENT_AFTER_DAYS, ANSWERED_AFTER_DAYS = 31, 32
AGREEMENT = AgreementIn(
    frequency="Every three weeks, for an hour",
    location="Loxley House, or on Teams",
    length_minutes=60,
    contact_by=ContactBy.MENTEE,
    communication="Email to arrange; Teams for a quick question.",
    objectives="Prepare for a team leader application; confidence in leading meetings.",
)
#: The mentor's answer: going badly (at or below ``checkins.UNHAPPY_AT``), so the coordinator's
#: health view shows the relationship as unhappy.
MENTOR_ANSWER = CheckinAnswerIn(going=2, meeting_regularly=True)


async def _post(session: AsyncSession, org_id: uuid.UUID, post: str) -> Member | None:
    for member in await MemberRepository(session, org_id).list():
        if (member.attributes or {}).get("demo_role") == post:
            return member
    return None


async def _pair(
    session: AsyncSession, org_id: uuid.UUID
) -> tuple[Member, Member, Relationship | None] | None:
    mentee, mentor = (
        await _post(session, org_id, MENTEE_POST),
        await _post(session, org_id, MENTOR_POST),
    )
    if mentee is None or mentor is None:
        return None
    rel = await Relationships(session, org_id).find_one(
        Relationship.mentee_id == mentee.id, Relationship.mentor_id == mentor.id
    )
    return mentee, mentor, rel


async def _start(
    session: AsyncSession, mentee: Member, mentor: Member, today: date
) -> Relationship:
    """Ask, accept, agree and confirm, each on its day ``STARTED_DAYS_AGO`` ago; record the
    review point agreed at that first meeting."""
    started = datetime.now(UTC) - timedelta(days=STARTED_DAYS_AGO)
    scheme = await SchemeService(session, mentee.org_id).by_slug("pa-pilot")
    requests = RequestService(session, mentee.org_id, outbox_sink(session))
    [request] = await requests.send(
        mentee,
        RequestsIn(scheme_id=scheme.id, mentors=[RankedMentor(member_id=mentor.id)]),
        started - timedelta(days=2),
    )
    rel = await requests.accept(mentor, request.id, started)
    await edit_agreement(session, mentee, rel.id, AGREEMENT)
    confirm = ConfirmIn(accept_code_of_conduct=True, accept_principles=True)
    for member in (mentee, mentor):
        await confirm_agreement(session, member, rel.id, confirm, started + timedelta(days=1))
    await add_review_point(
        session,
        mentee,
        rel.id,
        ReviewPointIn(
            on=today + timedelta(days=REVIEW_IN_DAYS),
            note="Halfway through the pilot: are the objectives still the right ones?",
        ),
        started + timedelta(days=1),
    )
    return rel


async def seed_demo_checkins(runtime: Runtime, slugs: Sequence[str]) -> None:
    if "nch" not in slugs:
        return
    async with runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).find("nch")
        found = await _pair(session, org.id) if org is not None else None
        if found is None:
            return
        mentee, mentor, rel = found
        if rel is None:
            rel = await _start(session, mentee, mentor, datetime.now(UTC).date())
        rel_id, org_id, started = rel.id, rel.org_id, rel.started_at.replace(tzinfo=UTC)
        sent = await Checkins(session, org_id).list(Checkin.relationship_id == rel_id)
    if not sent:  # the real jobs pass, on the day after the first check-in fell due
        await run_once(
            runtime.sessionmaker, runtime.settings, started + timedelta(days=SENT_AFTER_DAYS)
        )
    async with runtime.sessionmaker() as session, session.begin():
        rows = await Checkins(session, org_id).list(Checkin.relationship_id == rel_id)
        theirs = [r for r in rows if r.respondent_id == mentor.id and r.answered_at is None]
        if theirs and not any(r.answered_at is not None for r in rows):
            member = await MemberRepository(session, org_id).get(mentor.id)
            answered = started + timedelta(days=ANSWERED_AFTER_DAYS)
            await answer_checkin(session, member, theirs[0].id, MENTOR_ANSWER, answered)
