"""Every email a scheme can word goes out in the scheme's wording (issue 17.5), set through the
API by the coordinator's own session: the line manager's "application to approve", the
applicant's "approved", the waiting-list promotion, the mentee's "your mentor agreed" (all
through a real SMTP server), and a cohort run's "mentor proposed" (in the app: those mentees
have no email address). The code's own words still follow each opening."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from orgs.people.notifications import Notification, NotificationKind
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeForm, SchemeService, SchemeSpec
from tests.integration.matching.test_cohort_runs import cohort, org, run
from tests.integration.relationships.builders import Client, add_member, ok, send, world
from tests.integration.relationships.mail import Smtp, parts
from tests.integration.relationships.test_email_links import _send


def _worded(email: str) -> dict[str, str]:
    return {
        "subject": f"[{email}] {{first_name}} at {{organisation}}",
        "opening": f"Opening of {email} for {{first_name}} on {{scheme}}.",
    }


async def test_each_email_of_the_scheme_uses_its_wording(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    await add_member(db, w, "applicant", manager="boss")
    spring = await SchemeService(db, w.org.org.id).create(
        SchemeSpec(
            slug="spring",
            name="Spring cohort",
            form=SchemeForm.COHORT,
            applications_open_on=date(2026, 1, 5),
            applications_close_on=date(2026, 1, 30),
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 8, 31),
            mentor_places=1,
            mentee_places=1,
        )
    )
    spring_id = spring.id
    waiting = Application(
        org_id=w.org.org.id,
        scheme_id=spring_id,
        member_id=w.members["applicant"].id,
        role=SchemeRole.MENTEE,
        state=AppState.APPROVED,
    )
    db.add(waiting)
    await db.commit()
    api = "/api/v1/orgs/brent/schemes"
    for scheme_id, email in (
        (w.scheme_id, "approval_needed"),
        (w.scheme_id, "approved"),
        (w.scheme_id, "request_accepted"),
        (spring_id, "place_offered"),
    ):
        saved = await ok(
            await client.put(
                f"{api}/{scheme_id}/emails/{email}",
                json=_worded(email),
                headers=w.as_("coordinator"),
            )
        )
        assert saved["own"] is True
    listed = await ok(await client.get(f"{api}/{w.scheme_id}/emails", headers=w.as_("coordinator")))
    assert {e["email"]: e["own"] for e in listed} == {
        "approval_needed": True,
        "approved": True,
        "declined": False,
        "place_offered": False,  # worded for Spring, not for this scheme
        "match_proposed": False,
        "request_accepted": True,
    }

    applied = await ok(
        await client.post(
            "/api/v1/orgs/brent/applications",
            json={"scheme_id": str(w.scheme_id), "role": "mentor", "offer": "Finance"},
            headers=w.as_("applicant"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/v1/orgs/brent/applications/{applied['id']}/decision",
            json={"approve": True},
            headers=w.as_("boss"),
        )
    )
    # Spring's one place goes to the applicant from the waiting list.
    for chosen in ([], [str(waiting.id)]):
        await ok(
            await client.post(
                f"{api}/{spring_id}/shortlist",
                json={"role": "mentee", "application_ids": chosen},
                headers=w.as_("coordinator"),
            )
        )
    [req] = await send(client, w, "mentor1")
    await ok(
        await client.post(f"/api/v1/requests/{req['id']}/accept", headers=w.as_("mentor1")), 201
    )
    await _send(engine, settings, smtp)

    def mail(to: str, email: str) -> str:
        [message] = [m for m in smtp.to(f"{to}@brent.example") if f"[{email}]" in m["Subject"]]
        who = to.title()
        assert str(message["Subject"]) == f"[{email}] {who} at Brent"
        return parts(message)["text/plain"].replace("\r\n", "\n")

    text = mail("boss", "approval_needed")
    assert text.startswith("Opening of approval_needed for Boss on MyMentor.\n\n")
    assert "Applicant Smith has applied as a mentor." in text
    text = mail("applicant", "approved")
    assert text.startswith("Opening of approved for Applicant on MyMentor.\n\n")
    text = mail("applicant", "place_offered")
    assert text.startswith("Opening of place_offered for Applicant on Spring cohort.\n\n")
    assert "The programme starts on 1 March 2026." in text
    text = mail("mentee", "request_accepted")
    assert text.startswith("Opening of request_accepted for Mentee on MyMentor.\n\n")
    assert "Mentor1 Smith has agreed to mentor you." in text


async def test_a_cohort_runs_proposal_uses_the_schemes_wording(
    client: Client, db: AsyncSession
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    worded = await client.put(
        f"/api/v1/orgs/brent/schemes/{where.scheme_id}/emails/match_proposed",
        json=_worded("match_proposed"),
        headers=where.handle.headers,  # the org's coordinator token: MANAGE_SCHEMES
    )
    assert worded.status_code == 200, worded.text
    body = await run(client, where)
    published = await client.post(where.run(body["id"]) + "/publish", headers=where.handle.headers)
    assert published.status_code == 200, published.text
    proposed = {uuid.UUID(p["mentee"]) for p in published.json()["proposals"] if p["request_id"]}
    assert proposed
    names = {m.id: m.given_name for m in c.mentees}
    org_name = where.handle.org.name
    db.expire_all()
    notes = (
        await db.scalars(
            select(Notification).where(Notification.kind == NotificationKind.MATCH_PROPOSED)
        )
    ).all()
    assert {n.member_id for n in notes} == proposed
    for note in notes:
        first = names[note.member_id]
        assert note.subject == f"[match_proposed] {first} at {org_name}"
        assert note.text.startswith(f"Opening of match_proposed for {first} on Mentoring.\n\n")
        assert "A request has been sent to them on your behalf." in note.text
