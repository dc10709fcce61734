"""A scheme's own email wording (issue 17.5), through the coordinator's signed-in session: the
wording is previewed and saved on the set-up pages, the email it changes goes out through a
real SMTP server with the new subject and opening (and the fixed reason, link and footer), and
its link opens for the recipient; a refused wording (an unknown placeholder, too long) changes
nothing; the built-in wording can be restored; another org's coordinator and a plain member
can neither read nor change it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.sso.sessions import CSRF_FIELD
from orgs.audit import AuditEntry
from orgs.people.roles import MemberRole, Role
from orgs.schemes.email_wording import SchemeEmail, SchemeEmailWording
from tests.integration.relationships.builders import Client, World, add_member, ok, world
from tests.integration.relationships.calendar import links
from tests.integration.relationships.mail import Smtp, parts
from tests.integration.relationships.test_email_links import _send

SUBJECT = "{first_name}, news about your {scheme} application"
OPENING = "Hello {first_name}. Thank you for applying to {scheme} at {organisation}."


def _page(w: World, email: str = "declined") -> str:
    return f"/orgs/brent/coordinate/schemes/{w.scheme_id}/emails/{email}"


async def _post(client: Client, w: World, who: str, path: str, **form: str) -> Any:
    return await client.post(
        path,
        data={CSRF_FIELD: w.sessions[who].csrf, **form},
        headers={"Cookie": w.as_(who)["Cookie"]},
        follow_redirects=False,
    )


async def _rows(db: AsyncSession) -> list[tuple[uuid.UUID, SchemeEmail, str, str]]:
    db.expire_all()
    found = await db.scalars(select(SchemeEmailWording).order_by(SchemeEmailWording.email))
    return [(r.scheme_id, r.email, r.subject, r.opening) for r in found]


async def _trail(db: AsyncSession, scheme_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """The scheme's audit trail: (action, email, who)."""
    found = await db.scalars(
        select(AuditEntry).where(AuditEntry.subject_id == scheme_id).order_by(AuditEntry.at)
    )
    return [(e.action, e.reason, e.actor_label) for e in found]


async def _declined(client: Client, w: World, who: str) -> None:
    """``who`` applies as a mentor and their line manager (boss) declines."""
    applied = await ok(
        await client.post(
            "/api/v1/orgs/brent/applications",
            json={"scheme_id": str(w.scheme_id), "role": "mentor", "offer": "Finance"},
            headers=w.as_(who),
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/v1/orgs/brent/applications/{applied['id']}/decision",
            json={"approve": False, "reason": "Not this year", "service_delivery_considered": True},
            headers=w.as_("boss"),
        )
    )


async def test_the_coordinator_words_the_decline_email_and_the_applicant_gets_it(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    await add_member(db, w, "applicant", manager="boss")
    await db.commit()

    setup = await client.get(
        f"/orgs/brent/coordinate/schemes/{w.scheme_id}/setup", headers=w.as_("coordinator")
    )
    assert setup.status_code == 200, setup.text
    assert f'href="{_page(w)}"' in setup.text
    page = await client.get(_page(w), headers=w.as_("coordinator"))
    assert page.status_code == 200, page.text
    assert "built-in wording of this email" in page.text
    assert "Your mentoring application was declined" in page.text  # the preview, as today

    # The preview: sample first name, the real scheme and organisation, the fixed parts.
    shown = await _post(
        client, w, "coordinator", _page(w), subject=SUBJECT, opening=OPENING, action="preview"
    )
    assert shown.status_code == 200, shown.text
    assert "Alex, news about your MyMentor application" in shown.text
    assert "Hello Alex. Thank you for applying to MyMentor at Brent." in shown.text
    assert "You may ask the HR director for an exception." in shown.text
    assert f"Open MentorNet: {settings.base_url}/orgs/brent/" in shown.text
    assert "Sent by MentorNet for Brent." in shown.text
    assert await _rows(db) == []  # a preview saves nothing

    saved = await _post(
        client, w, "coordinator", _page(w), subject=SUBJECT, opening=OPENING, action="save"
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith("/setup?done=email-wording-saved#emails")
    assert await _rows(db) == [(w.scheme_id, SchemeEmail.DECLINED, SUBJECT, OPENING)]
    again = await client.get(saved.headers["location"], headers=w.as_("coordinator"))
    assert "Email wording saved" in again.text
    assert "Your own wording" in again.text

    await _declined(client, w, "applicant")
    await _send(engine, settings, smtp)
    [message] = smtp.to("applicant@brent.example")
    assert str(message["Subject"]) == "Applicant, news about your MyMentor application"
    text = parts(message)["text/plain"].replace("\r\n", "\n")
    assert text.startswith("Hello Applicant. Thank you for applying to MyMentor at Brent.\n\n")
    assert "Their reason: Not this year" in text  # the code's part stays
    assert "You may ask the HR director for an exception." in text
    assert "Sent by MentorNet for Brent." in text
    html = parts(message)["text/html"]
    assert "Hello Applicant. Thank you for applying to MyMentor at Brent." in html
    found = links(message)
    assert found
    for url in found:
        assert url.startswith(f"{settings.base_url}/orgs/brent/"), url
        opened = await client.get(url.removeprefix(settings.base_url), headers=w.as_("applicant"))
        assert opened.status_code == 200, url
    # The line manager's email keeps its built-in wording: only "declined" was changed.
    [to_boss] = smtp.to("boss@brent.example")
    assert str(to_boss["Subject"]) == "A mentoring application needs your decision"


async def test_a_refused_wording_changes_nothing(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    saved = await _post(
        client, w, "coordinator", _page(w), subject=SUBJECT, opening=OPENING, action="save"
    )
    assert saved.status_code == 303, saved.text
    before = await _rows(db)
    trail = await _trail(db, w.scheme_id)
    assert len(trail) == 1

    for action in ("save", "preview"):
        refused = await _post(
            client,
            w,
            "coordinator",
            _page(w),
            subject="News for {surname}",
            opening="x" * 1001,
            action=action,
        )
        assert refused.status_code == 400, refused.text
        assert "There is a problem" in refused.text
        assert (
            '<a href="#subject">The subject uses {surname}, which is not a placeholder: use '
            "{first_name}, {scheme}, {organisation}</a>" in refused.text
        )
        assert (
            '<a href="#opening">The opening paragraph must be 1000 characters or fewer</a>'
            in refused.text
        )
        assert 'id="email-preview"' not in refused.text  # a refused wording is not previewed
        assert 'value="News for {surname}"' in refused.text  # what was typed, shown again
    stray = await _post(
        client, w, "coordinator", _page(w), subject="Hello {", opening="Fine", action="save"
    )
    assert stray.status_code == 400
    assert "The subject has a brace that is not part of a placeholder" in stray.text
    assert await _rows(db) == before

    # The API: problem+json naming the field, nothing written.
    api = f"/api/v1/orgs/brent/schemes/{w.scheme_id}/emails/declined"
    problem = await client.put(
        api, json={"subject": "Hi {first_name!r}", "opening": ""}, headers=w.as_("coordinator")
    )
    assert problem.status_code == 422, problem.text  # the project's status for invalid input
    assert problem.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in problem.json()["errors"]}
    assert fields == {"subject", "opening"}
    assert await _rows(db) == before
    assert await _trail(db, w.scheme_id) == trail


async def test_restoring_the_default_puts_back_the_built_in_wording(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    me = f"member {w.id('coordinator')}"
    await add_member(db, w, "applicant", manager="boss")
    await db.commit()
    for email in ("declined", "approved"):
        saved = await _post(
            client, w, "coordinator", _page(w, email), subject=SUBJECT, opening=OPENING
        )
        assert saved.status_code == 303, saved.text
    page = await client.get(_page(w), headers=w.as_("coordinator"))
    assert "own wording of this email" in page.text
    assert "Restore the built-in wording" in page.text

    restored = await _post(client, w, "coordinator", f"{_page(w)}/default")
    assert restored.status_code == 303, restored.text
    assert restored.headers["location"].endswith("?done=email-wording-restored#emails")
    # Only the declined email went back; the approved one keeps its own wording.
    assert [r[1] for r in await _rows(db)] == [SchemeEmail.APPROVED]
    assert await _trail(db, w.scheme_id) == [
        ("email wording", "declined", me),
        ("email wording", "approved", me),
        ("email wording restored", "declined", me),
    ]
    page = await client.get(_page(w), headers=w.as_("coordinator"))
    assert "built-in wording of this email" in page.text
    assert 'value="Your mentoring application was declined"' in page.text

    await _declined(client, w, "applicant")
    await _send(engine, settings, smtp)
    [message] = smtp.to("applicant@brent.example")
    assert str(message["Subject"]) == "Your mentoring application was declined"
    assert "your line manager declined your application to MyMentor" in parts(message)["text/plain"]

    # The API's restore does the same for the other one.
    listed = await ok(
        await client.delete(
            f"/api/v1/orgs/brent/schemes/{w.scheme_id}/emails/approved",
            headers=w.as_("coordinator"),
        )
    )
    assert listed["own"] is False
    assert await _rows(db) == []


async def test_another_orgs_coordinator_and_a_member_can_neither_read_nor_change_it(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    saved = await _post(
        client, w, "coordinator", _page(w), subject=SUBJECT, opening=OPENING, action="save"
    )
    assert saved.status_code == 303, saved.text
    before = await _rows(db)
    other = await world(db, slug="camden")
    theirs = f"/orgs/camden/coordinate/schemes/{w.scheme_id}/emails/declined"
    page = await client.get(theirs, headers=other.as_("coordinator"))
    assert page.status_code == 404
    assert "news about your" not in page.text
    for path in (theirs, f"{theirs}/default"):
        refused = await _post(
            client, other, "coordinator", path, subject="Taken over", opening="Taken over"
        )
        assert refused.status_code == 404, path
    api = f"/api/v1/orgs/camden/schemes/{w.scheme_id}/emails"
    headers = other.as_("coordinator")
    assert (await client.get(api, headers=headers)).status_code == 404
    put = await client.put(
        f"{api}/declined", json={"subject": "Taken over", "opening": "x"}, headers=headers
    )
    assert put.status_code == 404
    assert (await client.delete(f"{api}/declined", headers=headers)).status_code == 404
    # Brent's own pages with Camden's session are not Camden's to open either.
    assert (await client.get(_page(w), headers=headers)).status_code == 404
    # A member of Brent who is not a coordinator: refused by the permission table.
    member = await client.get(_page(w), headers=w.as_("stranger"))
    assert member.status_code == 403
    assert "news about your" not in member.text
    refused = await _post(client, w, "stranger", _page(w), subject="Mine", opening="Mine")
    assert refused.status_code == 403
    assert await _rows(db) == before
    # An org admin may, as the permission table says (MANAGE_SCHEMES: coordinators, admins).
    await db.refresh(w.org.org)  # expired by ``_rows``
    admin = await add_member(db, w, "admin")
    db.add(MemberRole(org_id=w.org.org.id, member_id=admin.id, role=Role.ORG_ADMIN))
    await db.commit()
    assert (await client.get(_page(w), headers=w.as_("admin"))).status_code == 200
