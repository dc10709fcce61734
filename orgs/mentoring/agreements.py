"""The first-meeting agreement (Brent §10, Nottingham City Homes' first meeting) and each
scheme's code of conduct and mentoring principles.

Either party edits the agreement; an edit clears both confirmations. Each party confirms with
the scheme's code of conduct and principles accepted, and the confirmation records the SHA-256
of exactly what they read (:func:`agreement_sha256`). The relationship becomes active only when
both have confirmed the same text. Across organisations the text holds both organisations'
codes of conduct, and the two sides keep it in step through the shared record
(:mod:`orgs.mentoring.shared_record`).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.relationship_states import RelationshipEvent, RelationshipState
from orgs.mentoring.relationships import Party, Relationship, for_party, move
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole

#: HPMA West Midlands' mentoring principles, used when a scheme sets none of its own.
HPMA_PRINCIPLES = (
    "Respectful: based on trust, mutual regard and respect.",
    "Structured: we meet regularly for set periods.",
    "Confidential: what the mentee shares stays between us.",
    "Purposeful: we work towards the mentee's goals.",
    "Developmental: the mentee grows in knowledge and self-awareness.",
    "Facilitating: the mentor helps the mentee realise their own potential.",
    "Non-judgemental: needs can be expressed without fear for progression.",
    "Challenging: the mentee is encouraged to look at things in a different light.",
    "Open ended: we agree how and when we review our relationship.",
)
DEFAULT_CODE_OF_CONDUCT = (
    "The mentor is not the mentee's line manager. Meetings take place in work time within the "
    "scheme's time release; preparation is done in our own time. Either of us may end the "
    "relationship without blame, and may raise a concern with the scheme coordinator."
)


class ContactBy(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class SchemeTerms(OrgOwned, Base):
    """A scheme's code of conduct and principles, and whether it has a midpoint evaluation."""

    __tablename__ = "scheme_terms"

    scheme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), primary_key=True
    )
    code_of_conduct: Mapped[str] = mapped_column(Text, default=DEFAULT_CODE_OF_CONDUCT)
    principles: Mapped[list[str]] = mapped_column(default=lambda: list(HPMA_PRINCIPLES))
    midpoint_evaluation: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agreement(OrgOwned, Base):
    __tablename__ = "first_meeting_agreements"

    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    length_minutes: Mapped[int | None] = mapped_column(default=None)
    contact_by: Mapped[ContactBy | None] = mapped_column(enum_column(ContactBy), default=None)
    communication: Mapped[str] = mapped_column(Text, default="")
    work_context: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    expected_outcomes: Mapped[str] = mapped_column(Text, default="")
    shadowing_wanted: Mapped[bool] = mapped_column(default=False)
    code_of_conduct: Mapped[str] = mapped_column(Text, default="")
    principles: Mapped[list[str]] = mapped_column(default=list)
    mentee_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    mentor_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: What each party confirmed: the SHA-256 of the agreement text (``agreement_sha256``).
    mentee_confirmed_sha256: Mapped[str] = mapped_column(String(43), default="", server_default="")
    mentor_confirmed_sha256: Mapped[str] = mapped_column(String(43), default="", server_default="")
    #: Across organisations, the other organisation's code of conduct: part of what both confirm.
    partner_code_of_conduct: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchemeTermsRepository(OrgRepository[SchemeTerms]):
    model = SchemeTerms
    noun = "scheme terms"


class Agreements(OrgRepository[Agreement]):
    model = Agreement
    noun = "agreement"


Text_ = Annotated[str, msgspec.Meta(max_length=4000)]


class SchemeTermsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    code_of_conduct: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    principles: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=500)]],
        msgspec.Meta(max_length=30),
    ]
    midpoint_evaluation: bool = False


class AgreementIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    frequency: Text_
    location: Text_
    length_minutes: Annotated[int, msgspec.Meta(ge=15, le=480)]
    contact_by: ContactBy
    communication: Text_
    work_context: Text_ = ""
    objectives: Text_ = ""
    expected_outcomes: Text_ = ""
    shadowing_wanted: bool = False


class ConfirmIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    accept_code_of_conduct: bool
    accept_principles: bool


AGREEMENT_TERMS = (
    "frequency",
    "location",
    "length_minutes",
    "contact_by",
    "communication",
    "work_context",
    "objectives",
    "expected_outcomes",
    "shadowing_wanted",
)


def codes_by_party(agreement: Agreement, rel: Relationship) -> dict[str, str]:
    """The codes of conduct the agreement holds, by party: the mentee's organisation's and the
    mentor's (one code when both are of this organisation)."""
    if not rel.is_remote:
        return {"mentee": agreement.code_of_conduct, "mentor": agreement.code_of_conduct}
    own, partner = agreement.code_of_conduct, agreement.partner_code_of_conduct
    mentee_side = rel.mentee_id is not None
    codes = (
        {"mentee": own, "mentor": partner} if mentee_side else {"mentee": partner, "mentor": own}
    )
    return {party: text for party, text in codes.items() if text}


def agreement_sha256(agreement: Agreement, rel: Relationship) -> str:
    """What a confirmation confirms: the terms, both codes of conduct and the principles, as
    canonical JSON (sorted keys), hashed; the same on both sides of a cross-org pair."""
    canonical = {
        "terms": {name: getattr(agreement, name) for name in AGREEMENT_TERMS},
        "codes_of_conduct": codes_by_party(agreement, rel),
        "principles": list(agreement.principles),
    }
    digest = hashlib.sha256(msgspec.json.encode(canonical, order="sorted")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def both_confirmed(agreement: Agreement, rel: Relationship) -> bool:
    """Both parties confirmed, and confirmed the text the agreement has now."""
    current = agreement_sha256(agreement, rel)
    return (
        agreement.mentee_confirmed_at is not None
        and agreement.mentor_confirmed_at is not None
        and agreement.mentee_confirmed_sha256 == current
        and agreement.mentor_confirmed_sha256 == current
    )


def clear_confirmations(agreement: Agreement) -> None:
    agreement.mentee_confirmed_at = None
    agreement.mentor_confirmed_at = None
    agreement.mentee_confirmed_sha256 = ""
    agreement.mentor_confirmed_sha256 = ""


async def terms_of(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID | None
) -> tuple[str, list[str], bool]:
    row = (
        await SchemeTermsRepository(session, org_id).find_one(SchemeTerms.scheme_id == scheme_id)
        if scheme_id
        else None
    )
    if row is None:
        return DEFAULT_CODE_OF_CONDUCT, list(HPMA_PRINCIPLES), False
    return row.code_of_conduct, list(row.principles), row.midpoint_evaluation


async def set_terms(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, data: SchemeTermsIn
) -> SchemeTerms:
    repo = SchemeTermsRepository(session, org_id)
    row = await repo.find_one(SchemeTerms.scheme_id == scheme_id)
    if row is None:
        row = repo.add(SchemeTerms(scheme_id=scheme_id))
    row.code_of_conduct = data.code_of_conduct
    row.principles = list(data.principles)
    row.midpoint_evaluation = data.midpoint_evaluation
    row.updated_at = utcnow()
    await session.flush()
    return row


async def _own_scheme(session: AsyncSession, rel: Relationship) -> uuid.UUID | None:
    """The scheme whose terms this side's agreement starts from: the relationship's, or for a
    mentor asked from another organisation (no scheme of ours on the request) the scheme they
    are an approved mentor of, so their organisation's code of conduct is the one they see."""
    if rel.scheme_id is not None or rel.mentor_id is None:
        return rel.scheme_id
    found: uuid.UUID | None = await session.scalar(
        select(Application.scheme_id)
        .where(
            Application.org_id == rel.org_id,
            Application.member_id == rel.mentor_id,
            Application.role == SchemeRole.MENTOR,
            Application.state == AppState.APPROVED,
        )
        .order_by(Application.created_at.desc())
        .limit(1)
    )
    return found


async def start_agreement(session: AsyncSession, rel: Relationship) -> Agreement:
    code, principles, _ = await terms_of(session, rel.org_id, await _own_scheme(session, rel))
    return Agreements(session, rel.org_id).add(
        Agreement(relationship_id=rel.id, code_of_conduct=code, principles=principles)
    )


async def agreement_for(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> tuple[Agreement, Relationship, Party]:
    rel, party = await for_party(session, member, relationship_id)
    agreement = await Agreements(session, rel.org_id).find_one(Agreement.relationship_id == rel.id)
    if agreement is None:
        raise NotFound("No such agreement.")
    return agreement, rel, party


async def edit_agreement(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, data: AgreementIn
) -> Agreement:
    agreement, rel, _ = await agreement_for(session, member, relationship_id)
    if rel.state is not RelationshipState.AGREEING:
        raise IllegalTransition("The agreement is settled; it cannot be edited any more.")
    for name in AgreementIn.__struct_fields__:
        setattr(agreement, name, getattr(data, name))
    clear_confirmations(agreement)
    agreement.updated_at = utcnow()
    await session.flush()
    return agreement


def confirm_as(agreement: Agreement, rel: Relationship, party: Party, now: datetime) -> str:
    """Record ``party``'s confirmation of the text as it is now; its hash."""
    sha = agreement_sha256(agreement, rel)
    if party is Party.MENTEE:
        agreement.mentee_confirmed_at, agreement.mentee_confirmed_sha256 = now, sha
    else:
        agreement.mentor_confirmed_at, agreement.mentor_confirmed_sha256 = now, sha
    return sha


async def confirm_agreement(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: ConfirmIn,
    now: datetime,
) -> Agreement:
    agreement, rel, party = await agreement_for(session, member, relationship_id)
    if rel.state is not RelationshipState.AGREEING:
        raise IllegalTransition("The agreement is already confirmed.")
    if not (data.accept_code_of_conduct and data.accept_principles):
        raise InvalidInput.on(
            "accept_code_of_conduct", "both the code of conduct and the principles must be accepted"
        )
    if not (agreement.frequency and agreement.location and agreement.contact_by):
        raise IllegalTransition("Agree frequency, location and who makes contact first.")
    confirm_as(agreement, rel, party, now)
    if both_confirmed(agreement, rel):
        # On the mentor's side of a pair across nodes the mentee's node keeps the record: the
        # relationship is active when its record says both confirmed, not on this node's say.
        if not rel.is_replica:
            who = ActorRef(member.id, party.value)
            move(session, rel, RelationshipEvent.CONFIRM_AGREEMENT, who, now)
    else:
        await notify(
            session,
            rel.org_id,
            rel.other_party_id(party),
            NotificationKind.AGREEMENT,
            "Please confirm your mentoring agreement",
            f"Your {party.value} has confirmed the first-meeting agreement; please read and "
            "confirm it too.",
            now=now,
            link=f"/relationships/{rel.id}#agreement",
        )
    await session.flush()
    return agreement
