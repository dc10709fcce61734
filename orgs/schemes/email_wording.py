"""A scheme's own wording of the emails it sends people (issue 17.5): the subject and the
opening paragraph of each, written by its coordinator, with a few placeholders.

Only the subject and the opening are the coordinator's. What follows the opening (a line
manager's reason, a start date), the link to the page the email is about and the footer naming
the organisation stay the code's (``orgs.people.emails``), so no wording can break them. A
scheme without its own wording of an email uses the built-in one; restoring the default
deletes the scheme's row.

Placeholders are ``{first_name}``, ``{scheme}`` and ``{organisation}``, filled in when the
email is written. A brace anywhere else is refused, so a typo (``{firstname}``) is caught when
the wording is saved, never sent to people. Filling is one pass of a regular expression, not
``str.format``: a value that contains braces stays as it is.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final

import msgspec
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import FieldError, InvalidInput
from orgs.models import Org
from orgs.people.members import Member
from orgs.repository import OrgRepository

SUBJECT_MAX: Final = 150
OPENING_MAX: Final = 1000
PLACEHOLDERS: Final = {
    "first_name": "the first name of the person the email is to",
    "scheme": "the name of the scheme",
    "organisation": "the name of your organisation",
}
#: What the preview fills the placeholders with (the scheme and organisation are the real ones).
SAMPLE_FIRST_NAME: Final = "Alex"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class SchemeEmail(StrEnum):
    """The emails a scheme sends people, each where the code sends it."""

    APPROVAL_NEEDED = "approval_needed"  # to the line manager: an application to decide
    APPROVED = "approved"  # to the applicant
    DECLINED = "declined"  # to the applicant
    PLACE_OFFERED = "place_offered"  # off the waiting list (``_tell_promoted``)
    MATCH_PROPOSED = "match_proposed"  # a cohort run's pairs published
    REQUEST_ACCEPTED = "request_accepted"  # a mentor agreed: the mentee is introduced


@dataclass(frozen=True)
class Wording:
    subject: str
    opening: str


@dataclass(frozen=True)
class EmailInfo:
    """An email in words for the set-up page, and its built-in wording."""

    title: str
    sent_when: str
    default: Wording
    #: What the code adds after the opening, as the preview shows it.
    rest_sample: str
    #: The page the email links to, relative to the org's pages (the preview's link).
    link: str = "/"


EMAILS: Final[dict[SchemeEmail, EmailInfo]] = {
    SchemeEmail.APPROVAL_NEEDED: EmailInfo(
        "Application to approve",
        "To the applicant's line manager, when someone applies and is eligible.",
        Wording(
            "A mentoring application needs your decision",
            "Dear {first_name}, a member of your team has applied to {scheme}. "
            "Please approve or decline their application.",
        ),
        "Sam Taylor has applied as a mentee.",
        "/approvals",
    ),
    SchemeEmail.APPROVED: EmailInfo(
        "Application approved",
        "To the applicant, when their line manager approves.",
        Wording(
            "Your mentoring application was approved",
            "Dear {first_name}, your line manager approved your application to {scheme}.",
        ),
        "Their reason: a good fit for the team's plans.",
    ),
    SchemeEmail.DECLINED: EmailInfo(
        "Application declined",
        "To the applicant, when their line manager declines.",
        Wording(
            "Your mentoring application was declined",
            "Dear {first_name}, your line manager declined your application to {scheme}.",
        ),
        "Their reason: the team is short-staffed this quarter.\n\n"
        "You may ask the HR director for an exception.",
    ),
    SchemeEmail.PLACE_OFFERED: EmailInfo(
        "Place offered from the waiting list",
        "To a person on the waiting list, when the coordinator offers them a place.",
        Wording(
            "A place on {scheme} is yours",
            "Dear {first_name}, a place has come up on {scheme} and the coordinator has "
            "offered it to you: you are off the waiting list.",
        ),
        "You are on the shortlist for mentees. The programme starts on 20 January 2027. "
        "You will hear when you are matched.",
    ),
    SchemeEmail.MATCH_PROPOSED: EmailInfo(
        "Mentor proposed by the coordinator",
        "To each mentee, when the coordinator publishes a cohort's pairs.",
        Wording(
            "Your coordinator has proposed a mentor",
            "Dear {first_name}, your scheme coordinator has matched you with a mentor for "
            "{scheme}.",
        ),
        "A request has been sent to them on your behalf. You will hear when they answer; "
        "you can withdraw the request from your requests page.",
        "/requests",
    ),
    SchemeEmail.REQUEST_ACCEPTED: EmailInfo(
        "Mentor agreed",
        "To the mentee, when a mentor accepts their request.",
        Wording(
            "Your mentoring request was accepted",
            "Dear {first_name}, good news from {scheme}: your mentor has agreed.",
        ),
        "Sam Taylor has agreed to mentor you. Arrange your first meeting and agree how you "
        "will work together.",
        "/relationships",
    ),
}

Subject = Annotated[str, msgspec.Meta(max_length=2 * SUBJECT_MAX)]
Opening = Annotated[str, msgspec.Meta(max_length=2 * OPENING_MAX)]


class WordingIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A scheme's wording of one email (HTTP body); checked by :func:`check_wording`."""

    subject: Subject
    opening: Opening


class SchemeEmailWording(OrgOwned, Base):
    __tablename__ = "scheme_email_wordings"
    __table_args__ = (UniqueConstraint("scheme_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[SchemeEmail] = mapped_column(enum_column(SchemeEmail))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    opening: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class Wordings(OrgRepository[SchemeEmailWording]):
    model = SchemeEmailWording
    noun = "email wording"


def _field_errors(field: str, label: str, text: str, limit: int) -> list[FieldError]:
    """What is wrong with one field, each in words that name it."""
    if not text:
        return [FieldError(field, f"Enter the {label.lower()}")]
    if len(text) > limit:
        return [FieldError(field, f"The {label.lower()} must be {limit} characters or fewer")]
    errors = [
        FieldError(
            field,
            f"The {label.lower()} uses {{{name}}}, which is not a placeholder: use "
            + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
        )
        for name in _PLACEHOLDER.findall(text)
        if name not in PLACEHOLDERS
    ]
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        errors.append(
            FieldError(field, f"The {label.lower()} has a brace that is not part of a placeholder")
        )
    return errors


def check_wording(data: WordingIn) -> Wording:
    """The wording, trimmed, or :class:`InvalidInput` naming each field at fault."""
    subject, opening = data.subject.strip(), data.opening.strip()
    errors = _field_errors("subject", "Subject", subject, SUBJECT_MAX)
    if not errors and ("\n" in subject or "\r" in subject):
        errors.append(FieldError("subject", "The subject must be on one line"))
    errors += _field_errors("opening", "Opening paragraph", opening, OPENING_MAX)
    if errors:
        raise InvalidInput(
            "The wording is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            tuple(errors),
        )
    return Wording(subject, opening)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each placeholder replaced (one pass: values are never read as wording)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def first_name(member: Member) -> str:
    return member.given_name or member.display_name.split(" ")[0] or "colleague"


async def own_wordings(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> dict[SchemeEmail, SchemeEmailWording]:
    """The emails this scheme has its own wording of."""
    rows = await Wordings(session, org_id).list(SchemeEmailWording.scheme_id == scheme_id)
    return {row.email: row for row in rows}


async def wording_of(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, email: SchemeEmail
) -> tuple[Wording, bool]:
    """The wording in force, and whether it is the scheme's own (False: the built-in one)."""
    row = await Wordings(session, org_id).find_one(
        SchemeEmailWording.scheme_id == scheme_id, SchemeEmailWording.email == email
    )
    if row is None:
        return EMAILS[email].default, False
    return Wording(row.subject, row.opening), True


async def worded(
    session: AsyncSession,
    org_id: uuid.UUID,
    scheme_id: uuid.UUID | None,
    scheme_name: str,
    email: SchemeEmail,
    to: Member | None,
) -> Wording:
    """The subject and opening of ``email`` to ``to``, filled in, ready for ``notify``."""
    wording = EMAILS[email].default
    if scheme_id is not None:
        wording, _ = await wording_of(session, org_id, scheme_id, email)
    org = await session.get(Org, org_id)
    values = {
        "first_name": first_name(to) if to is not None else "colleague",
        "scheme": scheme_name,
        "organisation": org.name if org is not None else "",
    }
    return filled(wording, values)


def filled(wording: Wording, values: dict[str, str]) -> Wording:
    """The wording with its placeholders filled in, the subject on one line: a value with a
    line break (a scheme name given through the API) must not split the Subject header."""
    subject = " ".join(fill(wording.subject, values).split())
    return Wording(subject[:200], fill(wording.opening, values))


def compose(opening: str, rest: str) -> str:
    """The email's text: the coordinator's opening, then what the code says."""
    return f"{opening}\n\n{rest}" if rest else opening


async def save_wording(
    session: AsyncSession,
    org_id: uuid.UUID,
    scheme_id: uuid.UUID,
    email: SchemeEmail,
    data: WordingIn,
    who: ActorRef,
) -> SchemeEmailWording:
    wording = check_wording(data)
    repo = Wordings(session, org_id)
    row = await repo.find_one(
        SchemeEmailWording.scheme_id == scheme_id, SchemeEmailWording.email == email
    )
    if row is None:
        row = repo.add(SchemeEmailWording(scheme_id=scheme_id, email=email, subject="", opening=""))
    row.subject, row.opening = wording.subject, wording.opening
    row.updated_at, row.updated_by = utcnow(), who.label[:200]
    AuditLog(session, org_id).record("scheme", scheme_id, "email wording", who, reason=email.value)
    await session.flush()
    return row


async def restore_default(
    session: AsyncSession,
    org_id: uuid.UUID,
    scheme_id: uuid.UUID,
    email: SchemeEmail,
    who: ActorRef,
) -> None:
    row = await Wordings(session, org_id).find_one(
        SchemeEmailWording.scheme_id == scheme_id, SchemeEmailWording.email == email
    )
    if row is not None:
        await session.delete(row)
        AuditLog(session, org_id).record(
            "scheme", scheme_id, "email wording restored", who, reason=email.value
        )
        await session.flush()
