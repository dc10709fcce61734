"""Promoted from a cohort's waiting list (issue 17.5): the coordinator offers the place from the
applicant's page, and the person gets an email (through a real SMTP server) with a Date, the
organisation as sender, and an absolute link that opens a page for them, signed in (200)."""

from __future__ import annotations

import uuid
from datetime import date
from email.utils import parseaddr, parsedate_to_datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.sso.sessions import CSRF_FIELD
from orgs.schemes.applications import Application, AppState, Placement
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeForm, SchemeService, SchemeSpec
from tests.integration.relationships.builders import Client, add_member, ok, world
from tests.integration.relationships.calendar import links
from tests.integration.relationships.mail import Smtp, parts
from tests.integration.relationships.test_email_links import _send

SPRING = SchemeSpec(
    slug="spring",
    name="Spring cohort",
    form=SchemeForm.COHORT,
    applications_open_on=date(2026, 1, 5),
    applications_close_on=date(2026, 1, 30),
    starts_on=date(2026, 3, 1),
    ends_on=date(2026, 8, 31),
    mentor_places=2,
    mentee_places=2,
)


async def test_the_person_promoted_from_the_waiting_list_is_emailed_a_link_that_works(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    org_id = w.org.org.id
    scheme = await SchemeService(db, org_id).create(SPRING)
    scheme_id = scheme.id
    await add_member(db, w, "applicant")
    apps = {}
    for who in ("mentee", "applicant"):
        app = Application(
            org_id=org_id,
            scheme_id=scheme_id,
            member_id=w.members[who].id,
            role=SchemeRole.MENTEE,
            state=AppState.APPROVED,
        )
        db.add(app)
        await db.flush()
        apps[who] = str(app.id)
    await db.commit()
    # Only the mentee is offered a place: the applicant waits.
    shortlisted = await ok(
        await client.post(
            f"/api/v1/orgs/brent/schemes/{scheme_id}/shortlist",
            json={"role": "mentee", "application_ids": [apps["mentee"]]},
            headers=w.as_("coordinator"),
        )
    )
    assert [a["placement"] for a in shortlisted] == ["offered", "waiting"]
    await _send(engine, settings, smtp)
    assert smtp.to("applicant@brent.example") == []  # waiting: nothing to tell yet

    page = await client.post(
        f"/orgs/brent/coordinate/applications/{apps['applicant']}/promote",
        data={CSRF_FIELD: w.sessions["coordinator"].csrf},
        headers={"Cookie": w.as_("coordinator")["Cookie"]},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    assert page.headers["location"].endswith("?done=promoted")
    db.expire_all()
    promoted = await db.get_one(Application, uuid.UUID(apps["applicant"]))
    assert promoted.placement is Placement.OFFERED

    await _send(engine, settings, smtp)
    [message] = smtp.to("applicant@brent.example")
    assert str(message["Subject"]) == "A place on Spring cohort is yours"
    assert parseaddr(str(message["From"]))[0] == "Brent via MentorNet"
    assert parsedate_to_datetime(str(message["Date"])).tzinfo is not None
    text = parts(message)["text/plain"]
    assert "off the waiting list" in text
    assert "1 March 2026" in text  # a date in words, never 2026-03-01
    found = links(message)
    assert found
    for url in found:
        assert url.startswith(f"{settings.base_url}/orgs/brent/"), url
        opened = await client.get(url.removeprefix(settings.base_url), headers=w.as_("applicant"))
        assert opened.status_code == 200, url
    assert smtp.to("mentee@brent.example") == []  # offered at first: not promoted
