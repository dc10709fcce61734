"""Outcomes over time in the pipeline (issue 19 item 5), on crafted populations: what mentees
answered in their follow-ups and who later became mentors are counted per category, still
suppressed so that no hidden cell can be recovered by subtraction (the integer-programming
audit of every table is `orgs/records/suppression.py`'s); a follow-up declined counts nothing, and
an erased person's answers leave every figure."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.db import utcnow
from orgs.mentoring.follow_ups import FollowUp
from orgs.mentoring.relationship_states import EndKind, RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member
from orgs.records.erasure import erase_person
from tests.integration.orgs.equality_builders import (
    API,
    OFFERED,
    Client,
    monitoring_org,
    population,
)
from tests.integration.orgs.test_equality import (
    grid,
    hidden,
    pipeline,
    recoverable_by_subtraction,
)


async def _mentored_and_followed_up(
    db: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, mentor: Member, mentees: list[Member]
) -> dict[str, FollowUp]:
    """Each mentee: a completed relationship that ended 7 months ago and an open follow-up."""
    ended = utcnow() - timedelta(days=210)
    rows = {}
    for mentee in mentees:
        rel = Relationship(
            org_id=org_id,
            scheme_id=scheme_id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            state=RelationshipState.ENDED,
            end_kind=EndKind.COMPLETED,
            started_at=ended - timedelta(days=180),
            ended_at=ended,
            planned_end_on=ended.date(),
        )
        db.add(rel)
        await db.flush()
        rows[mentee.given_name] = FollowUp(
            org_id=org_id,
            relationship_id=rel.id,
            scheme_id=scheme_id,
            respondent_id=mentee.id,
            due_at=ended + timedelta(days=180),
        )
        db.add(rows[mentee.given_name])
    await db.commit()
    return rows


async def test_follow_up_answers_and_new_mentors_are_counted_and_still_suppressed(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    people = await population(
        db,
        o,
        [
            ("white_british", 7, OFFERED),
            ("asian_indian", 5, OFFERED),
            ("black_african", 2, OFFERED),
        ],
    )
    white, asian, black = people[:7], people[7:12], people[12:]
    mentor = o.people[next(iter(o.people))]
    scheme_id = uuid.UUID(o.scheme_id)
    follow_ups = await _mentored_and_followed_up(db, o.org.id, scheme_id, mentor, people)
    today = utcnow().date().isoformat()
    # Six of the white mentees were promoted, one said no thanks (though it had been too);
    # all the Asian and Black mentees were.
    for person in [*white[:6], *asian, *black]:
        follow_ups[person.given_name].answered_at = utcnow()
        follow_ups[person.given_name].happened = {"promotion": today}
    declined = follow_ups[white[6].given_name]
    declined.declined_at = utcnow()
    # Five of them went on to mentor (a later relationship), without being asked.
    for later_mentor in [*asian]:
        db.add(
            Relationship(
                org_id=o.org.id,
                scheme_id=scheme_id,
                mentee_id=white[6].id,
                mentor_id=later_mentor.id,
                started_at=utcnow() - timedelta(days=5),
                planned_end_on=(utcnow() + timedelta(days=100)).date(),
            )
        )
    await db.commit()

    body = await pipeline(client, o)
    cells = grid(body)
    # Promotion: white 6, asian 5 shown; black 2 hidden, with a complement (asian, the
    # smallest other count) so that the total 13 gives nothing away.
    assert cells[("total", "outcome_promotion")] == 13
    assert cells[("white", "outcome_promotion")] == 6
    assert ("black", "outcome_promotion") in hidden(body)
    assert ("asian", "outcome_promotion") in hidden(body)
    # Became a mentor: the five Asian mentees, counted without a follow-up.
    assert cells[("total", "outcome_became_mentor")] == 5
    assert cells[("asian", "outcome_became_mentor")] == 5
    assert cells[("white", "outcome_became_mentor")] == 0
    assert recoverable_by_subtraction(body) == []

    # The programme report counts the same people (fewer than five would be hidden).
    csv = await client.get(
        f"{API}/schemes/{o.scheme_id}/reports/programme.csv", headers=o.as_("COORD")
    )
    assert csv.status_code == 200, csv.text
    lines = set(csv.text.splitlines())
    assert {"outcomes,,,promotion,13", "outcomes,,,became_mentor,5"} <= lines
    assert "outcomes,,,acting_up,[hidden]" in lines

    # Erased: their answer goes, and the figures drop.
    await erase_person(db, o.org.id, white[0].id, by=ActorRef.system("test"), now=utcnow())
    await db.commit()
    after = grid(await pipeline(client, o))
    assert after[("total", "outcome_promotion")] == 12
