"""Evaluation: questionnaires per scheme for the mentee, the mentor and the mentee's line manager
(Nottingham City Homes), at the end and optionally at the midpoint; results aggregated per
scheme with any group of fewer than five answers suppressed; outcomes after the end
(promotion, mentee became a mentor).

Answers are read back by nobody but their respondent: coordinators see aggregates only, and
free-text answers are never aggregated (they would identify people).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import FieldError, IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.relationships import Relationship, Relationships
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberRepository
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository
from orgs.schemes.schemes import Scheme, SchemeRepository

MIN_GROUP = 5


class Audience(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"
    LINE_MANAGER = "line_manager"


class Stage(StrEnum):
    MIDPOINT = "midpoint"
    END = "end"


class QuestionKind(StrEnum):
    SCALE = "scale"  # 1–5
    YES_NO = "yes_no"
    TEXT = "text"


class OutcomeKind(StrEnum):
    PROMOTION = "promotion"
    BECAME_MENTOR = "became_mentor"


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    key: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    kind: QuestionKind


class QuestionnaireIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    audience: Audience
    stage: Stage
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    questions: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=40)]


Answer = int | bool | Annotated[str, msgspec.Meta(max_length=4000)]


class AnswersIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    answers: dict[str, Answer]


class OutcomeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    relationship_id: uuid.UUID
    kind: OutcomeKind
    on: date
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class Questionnaire(OrgOwned, Base):
    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("org_id", "scheme_id", "audience", "stage"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationDue(OrgOwned, Base):
    """One respondent's questionnaire for one relationship at one stage, and their answers."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("relationship_id", "questionnaire_id", "respondent_id"),
        Index("ix_evaluations_org_id_respondent_id", "org_id", "respondent_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    respondent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Outcome(OrgOwned, Base):
    __tablename__ = "mentoring_outcomes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schemes.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[OutcomeKind] = mapped_column(enum_column(OutcomeKind))
    on: Mapped[date]
    note: Mapped[str] = mapped_column(String(2000), default="")
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Questionnaires(OrgRepository[Questionnaire]):
    model = Questionnaire
    noun = "questionnaire"


class Evaluations(OrgRepository[EvaluationDue]):
    model = EvaluationDue
    noun = "evaluation"


class Outcomes(OrgRepository[Outcome]):
    model = Outcome
    noun = "outcome"


# --- coordinators define questionnaires -----------------------------------------------------


async def save_questionnaire(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, data: QuestionnaireIn
) -> Questionnaire:
    keys = [q.key for q in data.questions]
    if len(set(keys)) != len(keys):
        raise InvalidInput.on("questions", "each question needs its own key")
    repo = Questionnaires(session, org_id)
    row = await repo.find_one(
        Questionnaire.scheme_id == scheme_id,
        Questionnaire.audience == data.audience,
        Questionnaire.stage == data.stage,
    )
    if row is None:
        row = repo.add(
            Questionnaire(
                id=uuid.uuid4(), scheme_id=scheme_id, audience=data.audience, stage=data.stage
            )
        )
    row.title = data.title
    row.questions = msgspec.to_builtins(data.questions)
    await session.flush()
    return row


async def questionnaires_of(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> Sequence[Questionnaire]:
    return await Questionnaires(session, org_id).list(Questionnaire.scheme_id == scheme_id)


# --- evaluations falling due ---------------------------------------------------------------


async def open_evaluations(
    session: AsyncSession, rel: Relationship, stage: Stage, now: datetime
) -> list[EvaluationDue]:
    """Create the evaluations of ``stage`` for the relationship's local parties and the
    mentee's line manager, for each questionnaire the scheme defines; tell each respondent."""
    if rel.scheme_id is None:
        return []
    respondents: dict[Audience, uuid.UUID | None] = {
        Audience.MENTEE: rel.mentee_id,
        Audience.MENTOR: rel.mentor_id,
        Audience.LINE_MANAGER: None,
    }
    if rel.mentee_id is not None:
        mentee = await MemberRepository(session, rel.org_id).get(rel.mentee_id)
        manager = await ManagementChains(session, rel.org_id).line_manager(mentee)
        respondents[Audience.LINE_MANAGER] = manager.id if manager else None
    repo = Evaluations(session, rel.org_id)
    created = []
    for questionnaire in await Questionnaires(session, rel.org_id).list(
        Questionnaire.scheme_id == rel.scheme_id, Questionnaire.stage == stage
    ):
        respondent = respondents[questionnaire.audience]
        if respondent is None:
            continue
        exists = await repo.find_one(
            EvaluationDue.relationship_id == rel.id,
            EvaluationDue.questionnaire_id == questionnaire.id,
            EvaluationDue.respondent_id == respondent,
        )
        if exists is not None:
            continue
        created.append(
            repo.add(
                EvaluationDue(
                    id=uuid.uuid4(),
                    relationship_id=rel.id,
                    questionnaire_id=questionnaire.id,
                    scheme_id=rel.scheme_id,
                    respondent_id=respondent,
                    due_at=now,
                    answers={},
                )
            )
        )
        await notify(
            session,
            rel.org_id,
            respondent,
            NotificationKind.EVALUATION_DUE,
            f"Please complete: {questionnaire.title}",
            "Your feedback helps the scheme improve. Answers are reported only in groups of "
            f"{MIN_GROUP} or more.",
            now=now,
            link=f"/relationships/{rel.id}#evaluation",
        )
    await session.flush()
    return created


async def my_evaluations(session: AsyncSession, member: Member) -> Sequence[EvaluationDue]:
    return await Evaluations(session, member.org_id).list(EvaluationDue.respondent_id == member.id)


def check_answers(questions: Sequence[dict[str, Any]], answers: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    known = {q["key"]: QuestionKind(q["kind"]) for q in questions}
    for key in answers:
        if key not in known:
            errors.append(FieldError(f"answers.{key}", "not a question of this questionnaire"))
    for key, kind in known.items():
        value = answers.get(key)
        if value is None:
            errors.append(FieldError(f"answers.{key}", "is required"))
        elif kind is QuestionKind.SCALE and not (
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
        ):
            errors.append(FieldError(f"answers.{key}", "a number 1–5"))
        elif kind is QuestionKind.YES_NO and not isinstance(value, bool):
            errors.append(FieldError(f"answers.{key}", "true or false"))
        elif kind is QuestionKind.TEXT and not isinstance(value, str):
            errors.append(FieldError(f"answers.{key}", "text"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), tuple(errors))


async def submit(
    session: AsyncSession, member: Member, evaluation_id: uuid.UUID, data: AnswersIn, now: datetime
) -> EvaluationDue:
    evaluation = await Evaluations(session, member.org_id).get(evaluation_id)
    if evaluation.respondent_id != member.id:
        raise NotFound("No such evaluation.")
    if evaluation.submitted_at is not None:
        raise IllegalTransition("This evaluation was already submitted.")
    questionnaire = await Questionnaires(session, member.org_id).get(evaluation.questionnaire_id)
    check_answers(questionnaire.questions, data.answers)
    evaluation.answers = dict(data.answers)
    evaluation.submitted_at = now
    await session.flush()
    return evaluation


# --- aggregation -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    key: str
    text: str
    kind: QuestionKind
    answered: int
    mean: float | None = None  # scale
    distribution: dict[str, int] | None = None  # scale: "1".."5" -> count
    yes: int | None = None  # yes_no


@dataclass(frozen=True)
class QuestionnaireResult:
    questionnaire_id: uuid.UUID
    title: str
    audience: Audience
    stage: Stage
    responses: int
    suppressed: bool
    questions: tuple[QuestionResult, ...]


def aggregate(
    questions: Sequence[dict[str, Any]],
    answer_sets: Sequence[dict[str, Any]],
    min_group: int = MIN_GROUP,
) -> tuple[bool, tuple[QuestionResult, ...]]:
    """(suppressed, per-question results). Fewer than ``min_group`` responses: suppressed, and
    nothing else is said. Free-text answers are counted, never shown."""
    if len(answer_sets) < min_group:
        return True, ()
    results = []
    for q in questions:
        kind = QuestionKind(q["kind"])
        values = [a[q["key"]] for a in answer_sets if q["key"] in a]
        if kind is QuestionKind.SCALE:
            nums = [int(v) for v in values]
            dist = {str(n): nums.count(n) for n in range(1, 6)}
            results.append(
                QuestionResult(
                    q["key"],
                    q["text"],
                    kind,
                    len(nums),
                    mean=round(sum(nums) / len(nums), 2) if nums else None,
                    distribution=dist,
                )
            )
        elif kind is QuestionKind.YES_NO:
            results.append(
                QuestionResult(
                    q["key"], q["text"], kind, len(values), yes=sum(1 for v in values if v)
                )
            )
        else:
            results.append(QuestionResult(q["key"], q["text"], kind, len(values)))
    return False, tuple(results)


async def scheme_results(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> list[QuestionnaireResult]:
    out = []
    evaluations = Evaluations(session, org_id)
    for questionnaire in await questionnaires_of(session, org_id, scheme_id):
        answered = await evaluations.list(
            EvaluationDue.questionnaire_id == questionnaire.id,
            EvaluationDue.submitted_at.is_not(None),
        )
        suppressed, questions = aggregate(questionnaire.questions, [e.answers for e in answered])
        out.append(
            QuestionnaireResult(
                questionnaire.id,
                questionnaire.title,
                questionnaire.audience,
                questionnaire.stage,
                len(answered) if not suppressed else 0,
                suppressed,
                questions,
            )
        )
    return out


async def overdue_count(
    session: AsyncSession, org_id: uuid.UUID, relationship_id: uuid.UUID, now: datetime, days: int
) -> int:
    rows = await Evaluations(session, org_id).list(
        EvaluationDue.relationship_id == relationship_id,
        EvaluationDue.submitted_at.is_(None),
        EvaluationDue.due_at <= now - timedelta(days=days),
    )
    return len(rows)


# --- outcomes ------------------------------------------------------------------------------


async def record_outcome(
    session: AsyncSession, org_id: uuid.UUID, data: OutcomeIn, recorded_by: str, now: datetime
) -> Outcome:
    rel = await Relationships(session, org_id).get(data.relationship_id)
    return Outcomes(session, org_id).add(
        Outcome(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            scheme_id=rel.scheme_id,
            kind=data.kind,
            on=data.on,
            note=data.note,
            recorded_by=recorded_by[:200],
            created_at=now,
        )
    )


async def outcome_counts(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> dict[str, int | None]:
    """Per outcome kind: the count, or None when fewer than five (suppressed)."""
    rows = await Outcomes(session, org_id).list(Outcome.scheme_id == scheme_id)
    counts: dict[str, int | None] = {}
    for kind in OutcomeKind:
        n = sum(1 for r in rows if r.kind is kind)
        counts[kind.value] = n if n >= MIN_GROUP else None
    return counts


@dataclass(frozen=True)
class SchemeReport:
    """What a scheme's evaluations say, small groups suppressed, and the outcomes recorded."""

    scheme: Scheme
    results: list[QuestionnaireResult]
    outcomes: dict[str, int | None]


async def scheme_report(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID
) -> SchemeReport:
    scheme = await SchemeRepository(session, org_id).get(scheme_id)
    return SchemeReport(
        scheme,
        await scheme_results(session, org_id, scheme.id),
        await outcome_counts(session, org_id, scheme.id),
    )
