"""Equality monitoring (Equality Act 2010): what members choose to tell their organisation about
the protected characteristics it monitors, so that it can see who its schemes reach.

Kept like special-category data (:mod:`orgs.people.special_category`), and apart from it: its
own purpose, consent statement and tables; declared only by the member with explicit consent;
"prefer not to say" is an answer to every question; read by nobody but that member
(:meth:`EqualityMonitoring.own`) and the aggregate figures (:func:`categories_of`, for
``orgs.records.pipeline``, which never shows a group of fewer than five). Never exported, never
federated, never on a card. Withdrawing deletes every answer; the consent history remains as
evidence of lawful processing.

The categories are the ones UK public bodies use (ONS 2021 census questions for England and
Wales, where the census asks one).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, JSONType, OrgOwned, enum_column, utcnow
from orgs.errors import FieldError, InvalidInput, NotFound
from orgs.people.members import Member
from orgs.repository import OrgRepository

CONSENT_VERSION = "equality-2026-1"
CONSENT_STATEMENT = (
    "I choose to answer my organisation's equality monitoring questions. My answers are used "
    "only in anonymous figures about who its mentoring schemes reach, where no group of fewer "
    "than five people is shown. Nobody else can read my answers, they never leave this "
    "organisation, and I can change or withdraw them at any time."
)
PREFER_NOT_TO_SAY = "prefer_not_to_say"
#: Not an answer: the row of the figures for people who have not answered (or withdrew).
NOT_DECLARED = "not_declared"


class Characteristic(StrEnum):
    ETHNIC_GROUP = "ethnic_group"
    DISABILITY = "disability"
    SEX = "sex"
    GENDER_IDENTITY = "gender_identity"
    AGE_BAND = "age_band"
    RELIGION_OR_BELIEF = "religion_or_belief"
    SEXUAL_ORIENTATION = "sexual_orientation"
    PREGNANCY_MATERNITY = "pregnancy_maternity"
    MARRIAGE_CIVIL_PARTNERSHIP = "marriage_civil_partnership"


C = Characteristic
#: Per characteristic: answer → the category it is reported in (ethnic groups are reported in
#: the census's five high-level groups: detailed groups would almost always be fewer than five).
ANSWERS: dict[Characteristic, dict[str, str]] = {
    C.ETHNIC_GROUP: {
        "asian_bangladeshi": "asian",
        "asian_chinese": "asian",
        "asian_indian": "asian",
        "asian_pakistani": "asian",
        "asian_other": "asian",
        "black_african": "black",
        "black_caribbean": "black",
        "black_other": "black",
        "mixed_white_asian": "mixed",
        "mixed_white_black_african": "mixed",
        "mixed_white_black_caribbean": "mixed",
        "mixed_other": "mixed",
        "white_british": "white",
        "white_irish": "white",
        "white_gypsy_irish_traveller": "white",
        "white_roma": "white",
        "white_other": "white",
        "other_arab": "other",
        "other_any": "other",
    },
    C.DISABILITY: {"yes": "yes", "no": "no"},
    C.SEX: {"female": "female", "male": "male"},
    # The census question: is the gender you identify with the same as your sex at birth?
    C.GENDER_IDENTITY: {"same": "same", "different": "different"},
    C.AGE_BAND: {b: b for b in ("16_24", "25_34", "35_44", "45_54", "55_64", "65_plus")},
    C.RELIGION_OR_BELIEF: {
        r: r
        for r in (
            "no_religion",
            "christian",
            "buddhist",
            "hindu",
            "jewish",
            "muslim",
            "sikh",
            "other",
        )
    },
    C.SEXUAL_ORIENTATION: {
        s: s for s in ("straight_heterosexual", "gay_lesbian", "bisexual", "other")
    },
    C.PREGNANCY_MATERNITY: {"yes": "yes", "no": "no"},
    C.MARRIAGE_CIVIL_PARTNERSHIP: {
        m: m
        for m in (
            "never_married",
            "married",
            "civil_partnership",
            "separated",
            "divorced_dissolved",
            "widowed",
        )
    },
}


def reporting_categories(characteristic: Characteristic) -> list[str]:
    """The rows of the figures, in order: the categories, then prefer not to say, then not
    declared. Fixed per characteristic, so which rows exist says nothing about anyone."""
    seen = list(dict.fromkeys(ANSWERS[characteristic].values()))
    return [*seen, PREFER_NOT_TO_SAY, NOT_DECLARED]


def report_category(characteristic: Characteristic, answer: str) -> str:
    if answer == PREFER_NOT_TO_SAY:
        return PREFER_NOT_TO_SAY
    return ANSWERS[characteristic][answer]


class ConsentAction(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


Answers = Annotated[dict[Characteristic, str], msgspec.Meta(max_length=len(Characteristic))]


class EqualityIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The member's answers: the whole set (a characteristic left out is not declared)."""

    consent: bool
    answers: Answers


class MonitoringIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Which characteristics the organisation monitors (its own choice)."""

    characteristics: Annotated[list[Characteristic], msgspec.Meta(max_length=len(Characteristic))]


class EqualityConsent(OrgOwned, Base):
    __tablename__ = "equality_consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[ConsentAction] = mapped_column(enum_column(ConsentAction))
    statement_version: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class EqualityAnswer(OrgOwned, Base):
    """One answer of one member: kept in its own table, never in ``members``."""

    __tablename__ = "equality_answers"
    __table_args__ = (UniqueConstraint("member_id", "characteristic"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    characteristic: Mapped[Characteristic] = mapped_column(enum_column(Characteristic))
    answer: Mapped[str] = mapped_column(String(40))
    consent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("equality_consents.id", ondelete="CASCADE")
    )
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class EqualityMonitoringSettings(OrgOwned, Base):
    """The characteristics an org monitors; none until its admin chooses."""

    __tablename__ = "equality_monitoring"
    __table_args__ = (UniqueConstraint("org_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    characteristics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class _Answers(OrgRepository[EqualityAnswer]):
    model = EqualityAnswer
    noun = "answer"


class _Consents(OrgRepository[EqualityConsent]):
    model = EqualityConsent
    noun = "consent"


class _Settings(OrgRepository[EqualityMonitoringSettings]):
    model = EqualityMonitoringSettings
    noun = "monitoring settings"


async def monitored(session: AsyncSession, org_id: uuid.UUID) -> list[Characteristic]:
    row = await _Settings(session, org_id).find_one()
    chosen = set(row.characteristics) if row else set()
    return [c for c in Characteristic if c.value in chosen]


async def set_monitored(
    session: AsyncSession, org_id: uuid.UUID, data: MonitoringIn
) -> list[Characteristic]:
    repo = _Settings(session, org_id)
    row = await repo.find_one() or repo.add(EqualityMonitoringSettings(characteristics=[]))
    row.characteristics = [c.value for c in Characteristic if c in set(data.characteristics)]
    await session.flush()
    return await monitored(session, org_id)


def check_answers(answers: dict[Characteristic, str], allowed: Iterable[Characteristic]) -> None:
    errors = []
    allowed = set(allowed)
    for characteristic, answer in answers.items():
        field = f"answers.{characteristic.value}"
        if characteristic not in allowed:
            errors.append(FieldError(field, "your organisation does not monitor this"))
        elif answer != PREFER_NOT_TO_SAY and answer not in ANSWERS[characteristic]:
            known = ", ".join([*ANSWERS[characteristic], PREFER_NOT_TO_SAY])
            errors.append(FieldError(field, f"one of: {known}"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), tuple(errors))


class EqualityMonitoring:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.answers = _Answers(session, org_id)
        self.consents = _Consents(session, org_id)

    async def declare(self, member: Member, data: EqualityIn) -> list[EqualityAnswer]:
        """Replace the member's answers with ``data``'s; refused without explicit consent."""
        if member.org_id != self.org_id:
            raise NotFound("No such member.")
        if data.consent is not True:
            raise InvalidInput.on(
                "consent", "must be true: you must agree to the statement to answer"
            )
        if not data.answers:
            raise InvalidInput.on("answers", "answer at least one question (or withdraw)")
        check_answers(data.answers, await monitored(self.session, self.org_id))
        record = self.consents.add(
            EqualityConsent(
                member_id=member.id, action=ConsentAction.GIVEN, statement_version=CONSENT_VERSION
            )
        )
        await self.session.flush()
        for old in await self.own(member):
            await self.session.delete(old)
        await self.session.flush()
        for characteristic, answer in data.answers.items():
            self.answers.add(
                EqualityAnswer(
                    member_id=member.id,
                    characteristic=characteristic,
                    answer=answer,
                    consent_id=record.id,
                )
            )
        await self.session.flush()
        return await self.own(member)

    async def own(self, member: Member) -> list[EqualityAnswer]:
        """The member's answers: for their own eyes only."""
        return list(await self.answers.list(EqualityAnswer.member_id == member.id))

    async def withdraw(self, member: Member) -> bool:
        """Delete every answer and record the withdrawal; False if there was nothing."""
        existing = await self.own(member)
        if not existing:
            return False
        for row in existing:
            await self.session.delete(row)
        self.consents.add(
            EqualityConsent(
                member_id=member.id,
                action=ConsentAction.WITHDRAWN,
                statement_version=CONSENT_VERSION,
            )
        )
        await self.session.flush()
        return True

    async def consent_history(self, member: Member) -> list[EqualityConsent]:
        return list(
            await self.consents.list(
                EqualityConsent.member_id == member.id, order_by=EqualityConsent.at
            )
        )


async def categories_of(
    session: AsyncSession,
    org_id: uuid.UUID,
    characteristic: Characteristic,
    member_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, str]:
    """For aggregate figures only: each member's reporting category (not declared when they
    have not answered). The one reader of other members' answers."""
    ids = list(dict.fromkeys(member_ids))
    found: dict[uuid.UUID, str] = {}
    if ids:
        rows = await _Answers(session, org_id).list(
            EqualityAnswer.characteristic == characteristic, EqualityAnswer.member_id.in_(ids)
        )
        found = {r.member_id: report_category(characteristic, r.answer) for r in rows}
    return {i: found.get(i, NOT_DECLARED) for i in ids}
