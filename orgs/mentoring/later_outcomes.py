"""Who among a scheme's mentees reached each outcome, and when: what a coordinator recorded,
what the mentee answered in their follow-up (:mod:`orgs.mentoring.follow_ups`), and becoming a
mentor, which is seen rather than asked: a mentee who was later approved as a mentor (on any
scheme of the organisation) or who is the mentor of a relationship that started later.

Only counts leave this module's callers (the pipeline and the programme report); the dates let
a period count an outcome in the period it happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.evaluations import MIN_GROUP, Outcome, OutcomeKind, Outcomes
from orgs.mentoring.follow_ups import FollowUp, FollowUps, answered_on
from orgs.mentoring.relationships import Relationship, Relationships
from orgs.schemes.applications import ACCEPTED, Application, ApplicationRepository
from orgs.schemes.eligibility import SchemeRole

#: kind -> mentee -> the earliest date it happened.
Reached = dict[OutcomeKind, dict[uuid.UUID, date]]


def _keep_earliest(reached: Reached, kind: OutcomeKind, who: uuid.UUID, on: date) -> None:
    known = reached[kind].get(who)
    if known is None or on < known:
        reached[kind][who] = on


async def scheme_outcomes(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> Reached:
    """Each outcome of the scheme's mentees (one per person per kind: the first time)."""
    reached: Reached = {k: {} for k in OutcomeKind}
    rels = await Relationships(session, org_id).list(Relationship.scheme_id == scheme_id)
    mentee_of = {r.id: r.mentee_id for r in rels if r.mentee_id is not None}
    for outcome in await Outcomes(session, org_id).list(Outcome.scheme_id == scheme_id):
        who = mentee_of.get(outcome.relationship_id)
        if who is not None:
            _keep_earliest(reached, outcome.kind, who, outcome.on)
    for row in await FollowUps(session, org_id).list(FollowUp.scheme_id == scheme_id):
        who = mentee_of.get(row.relationship_id)
        if who is not None and row.declined_at is None:
            for kind, on in answered_on(row).items():
                _keep_earliest(reached, kind, who, on)
    await _became_mentors(session, org_id, [r for r in rels if r.mentee_id is not None], reached)
    return reached


async def _became_mentors(
    session: AsyncSession, org_id: uuid.UUID, rels: Sequence[Relationship], reached: Reached
) -> None:
    started: dict[uuid.UUID, datetime] = {}
    for rel in rels:
        assert rel.mentee_id is not None
        first = started.get(rel.mentee_id)
        started[rel.mentee_id] = rel.started_at if first is None else min(first, rel.started_at)
    if not started:
        return
    ids = list(started)
    for app in await ApplicationRepository(session, org_id).list(
        Application.member_id.in_(ids), Application.role == SchemeRole.MENTOR
    ):
        if app.state in ACCEPTED and app.created_at > started[app.member_id]:
            _keep_earliest(reached, OutcomeKind.BECAME_MENTOR, app.member_id, app.updated_at.date())
    for later in await Relationships(session, org_id).list(Relationship.mentor_id.in_(ids)):
        assert later.mentor_id is not None
        if later.started_at > started[later.mentor_id]:
            _keep_earliest(
                reached, OutcomeKind.BECAME_MENTOR, later.mentor_id, later.started_at.date()
            )


async def outcome_counts(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> dict[str, int | None]:
    """People per outcome kind, or None when fewer than five (suppressed)."""
    reached = await scheme_outcomes(session, org_id, scheme_id)
    return {k.value: (n if (n := len(reached[k])) >= MIN_GROUP else None) for k in OutcomeKind}
