"""The pages of what the two people agree between them (issue 19 item 4): a due check-in is
answered on the page its notification links to; review points are seen and added on the
relationship's review page; carrying on past the planned end is proposed by one and agreed by
the other there. Anyone else is refused (404) and nothing changes (re-read from the
database)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.mentoring.checkins import Checkin
from orgs.mentoring.extensions import Extension
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.review_points import ReviewPoint
from orgs.people.notifications import Notification, NotificationKind
from tests.integration.relationships.builders import Client, World, backdate, jobs, paired, world

M = TypeVar("M")


def _form(w: World, who: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": w.sessions[who].csrf, **fields}


async def _post(client: Client, w: World, who: str, url: str, **fields: str) -> int:
    response = await client.post(
        url, data=_form(w, who, **fields), headers=w.as_(who), follow_redirects=False
    )
    return response.status_code


async def _fresh(db: AsyncSession, model: type[M], **where: object) -> list[M]:
    """Rows as the database has them now, not as this session last saw them."""
    query = select(model).execution_options(populate_existing=True)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list((await db.scalars(query)).all())


async def test_a_due_check_in_is_answered_on_the_page_its_notification_links_to(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    await backdate(db, rel, days=31)
    assert (await jobs(db, utcnow()))[0].checkins == 2
    mentee = w.members["mentee"].id
    link = await db.scalar(
        select(Notification.link).where(
            Notification.kind == NotificationKind.CHECKIN_DUE, Notification.member_id == mentee
        )
    )
    assert link is not None
    assert link.startswith("/orgs/brent/checkins/")
    checkin_id = uuid.UUID(link.rsplit("/", 1)[1])
    page = await client.get(link, headers=w.as_("mentee"))
    assert page.status_code == 200
    assert "How is your mentoring going?" in page.text

    # The other party (and anyone else): no such page, and the answer cannot be given for them.
    assert (await client.get(link, headers=w.as_("mentor1"))).status_code == 404
    assert await _post(client, w, "mentor1", link, going="1", meeting_regularly="no") == 404
    [row] = await _fresh(db, Checkin, id=checkin_id)
    assert row.answered_at is None

    assert await _post(client, w, "mentee", link) == 400  # nothing chosen
    [row] = await _fresh(db, Checkin, id=checkin_id)
    assert row.answered_at is None
    assert await _post(client, w, "mentee", link, going="2", meeting_regularly="yes") == 303
    [row] = await _fresh(db, Checkin, id=checkin_id)
    assert (row.going, row.meeting_regularly) == (2, True)
    shown = await client.get(link, headers=w.as_("mentee"))
    assert "Thank you for answering" in shown.text
    assert "Send my answers" not in shown.text
    assert await _post(client, w, "mentee", link, going="5", meeting_regularly="yes") == 400
    [row] = await _fresh(db, Checkin, id=checkin_id)
    assert row.going == 2  # answered once


async def test_review_points_and_carrying_on_are_agreed_on_the_review_page(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    rel_id = uuid.UUID(rel["id"])
    base = f"/orgs/brent/relationships/{rel_id}/review"
    assert (
        "/review/"
        in (await client.get(f"/orgs/brent/relationships/{rel_id}", headers=w.as_("mentee"))).text
    )
    assert (await client.get(f"{base}/", headers=w.as_("stranger"))).status_code == 404
    on = (utcnow() + timedelta(days=20)).date()
    when = {"on-day": str(on.day), "on-month": str(on.month), "on-year": str(on.year)}
    assert await _post(client, w, "stranger", f"{base}/points", **when) == 404
    past = {"on-day": "1", "on-month": "1", "on-year": "2020"}
    assert await _post(client, w, "mentee", f"{base}/points", **past) == 400
    assert await _fresh(db, ReviewPoint, relationship_id=rel_id) == []
    assert await _post(client, w, "mentee", f"{base}/points", note="Objectives", **when) == 303
    seen = await client.get(f"{base}/", headers=w.as_("mentor1"))
    assert on.strftime("%d %B %Y") in seen.text
    assert "Objectives" in seen.text

    [row] = await _fresh(db, Relationship, id=rel_id)
    planned = row.planned_end_on
    until = planned + timedelta(days=60)
    longer = {
        "until-day": str(until.day),
        "until-month": str(until.month),
        "until-year": str(until.year),
    }
    assert await _post(client, w, "stranger", f"{base}/extensions", **longer) == 404
    assert await _fresh(db, Extension, relationship_id=rel_id) == []
    assert (
        await _post(client, w, "mentee", f"{base}/extensions", reason="Going well", **longer) == 303
    )
    [ext] = await _fresh(db, Extension, relationship_id=rel_id)
    agree = f"{base}/extensions/{ext.id}/agree"
    # Not by the one who proposed it, nor by anyone else: the end stays where it was.
    assert await _post(client, w, "mentee", agree) == 400
    assert await _post(client, w, "stranger", agree) == 404
    [ext] = await _fresh(db, Extension, relationship_id=rel_id)
    [row] = await _fresh(db, Relationship, id=rel_id)
    assert ext.agreed_at is None
    assert row.planned_end_on == planned
    mentor_view = await client.get(f"{base}/", headers=w.as_("mentor1"))
    assert "Agree to carry on until" in mentor_view.text
    assert await _post(client, w, "mentor1", agree) == 303
    [ext] = await _fresh(db, Extension, relationship_id=rel_id)
    [row] = await _fresh(db, Relationship, id=rel_id)
    assert ext.agreed_at is not None
    assert row.planned_end_on == until
