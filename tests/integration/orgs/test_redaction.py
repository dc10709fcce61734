"""The sweep of erasure: every string and JSON column of every table, whatever the case, in
HTML as an email carries it, within column lengths; the skipped tables and ordinary words
(a bare given name) are left alone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.people.members import Member, MemberRepository
from orgs.people.notifications import Notification, NotificationKind, OutgoingEmail
from orgs.redaction import ERASED_NAME, redact_everywhere
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application
from orgs.schemes.schemes import SchemeService, SchemeSpec

NAME = "Siobhan O'Brien"
EMAIL = "siobhan.obrien@brent.example"


async def test_every_copy_of_a_name_and_email_is_replaced_and_nothing_else(
    db: AsyncSession,
) -> None:
    org = await OrgRegistry(db).create("brent", "Brent")
    scheme = await SchemeService(db, org.id).create(SchemeSpec(slug="mentoring", name="Mentoring"))
    repo = MemberRepository(db, org.id)
    namesake = repo.add(Member(given_name="Siobhan", family_name="O'Brien", email=EMAIL))
    manager = repo.add(Member(given_name="Siobhan", family_name="Kelly", email="sk@b.example"))
    await db.flush()
    long_subject = "x" * 190 + " Jo Ng"  # 206 characters once replaced: over String(200)
    note = Notification(
        org_id=org.id,
        member_id=manager.id,
        kind=NotificationKind.APPROVAL_NEEDED,
        subject=long_subject,
        text=f"{NAME.upper()} ({EMAIL.upper()}) has applied. Siobhan, please decide.",
    )
    mail = OutgoingEmail(
        org_id=org.id,
        member_id=manager.id,
        to_address="sk@b.example",
        subject="An application",
        text=f"{NAME} has applied.",
        calendar=f"BEGIN:VCALENDAR\r\nSUMMARY:Meeting with {NAME}\r\nEND:VCALENDAR\r\n",
    )
    application = Application(
        org_id=org.id,
        scheme_id=scheme.id,
        member_id=manager.id,
        role="mentee",
        eligibility_reasons=[f"referred by {NAME}", "grade ok"],
    )
    db.add_all([note, mail, application])
    await db.commit()
    namesake_id = namesake.id

    changed = await redact_everywhere(db, [NAME, EMAIL, "Jo Ng"], skip={"members"})
    await db.commit()

    assert changed == 5  # subject, text; email text and calendar; the JSON list
    db.expire_all()
    note = (await db.scalars(select(Notification))).one()
    assert len(note.subject) == 200
    assert note.subject == ("x" * 190 + " " + ERASED_NAME)[:200]
    assert note.text == f"{ERASED_NAME} ({ERASED_NAME}) has applied. Siobhan, please decide."
    mail = (await db.scalars(select(OutgoingEmail))).one()
    assert (mail.text, mail.calendar) == (
        f"{ERASED_NAME} has applied.",
        f"BEGIN:VCALENDAR\r\nSUMMARY:Meeting with {ERASED_NAME}\r\nEND:VCALENDAR\r\n",
    )
    assert mail.to_address == "sk@b.example"
    application = (await db.scalars(select(Application))).one()
    assert application.eligibility_reasons == [f"referred by {ERASED_NAME}", "grade ok"]
    # Skipped: another member who shares the name keeps it.
    kept = await db.get(Member, namesake_id)
    assert kept is not None
    assert (kept.given_name, kept.family_name, kept.email) == ("Siobhan", "O'Brien", EMAIL)
