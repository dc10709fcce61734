"""The response shapes of the mentoring API, built from ORM rows (which never leave ``network``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from orgs.mentoring.agreements import Agreement
from orgs.mentoring.concerns import Concern
from orgs.mentoring.evaluations import EvaluationDue, Questionnaire, QuestionnaireResult
from orgs.mentoring.learning_log import LogEntry
from orgs.mentoring.meetings import Meeting, MeetingNote, TimeRelease
from orgs.mentoring.objectives import Objective
from orgs.mentoring.oversight import Health
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.shadowing import Shadowing
from orgs.pairing.requests import MentoringRequest
from orgs.people.members import Member
from orgs.people.notifications import Notification


class TimeReleaseOut(msgspec.Struct, frozen=True):
    budget_hours: float
    used_hours: float
    percent: int
    warning: bool
    message: str
    sessions_held: int
    recommended_sessions: int

    @classmethod
    def of(cls, t: TimeRelease) -> TimeReleaseOut:
        return cls(
            round(t.budget_minutes / 60, 2),
            round(t.used_minutes / 60, 2),
            t.percent,
            t.warning,
            t.message,
            t.sessions_held,
            t.recommended_sessions,
        )


class TopicAskedOut(msgspec.Struct, frozen=True):
    topic: str
    importance: int


class RequestOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    batch_id: uuid.UUID
    rank: int
    direction: str
    my_role: str
    state: str
    scheme_id: uuid.UUID | None
    counterpart: str
    message: str
    sent_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    decline_code: str
    decline_reason: str
    relationship_id: uuid.UUID | None
    #: What the mentee asks for, so the mentor decides knowing it.
    topics_wanted: list[TopicAskedOut]
    meeting_modes: list[str]
    languages: list[str]


def request_out(req: MentoringRequest, viewer: Member, names: dict[uuid.UUID, str]) -> RequestOut:
    mentee_view = req.mentee_id == viewer.id
    other = req.mentor_id if mentee_view else req.mentee_id
    counterpart = names.get(other, "") if other else req.counterpart_name
    if not counterpart and req.remote_summary.get("mentee_org"):
        counterpart = f"a member of {req.remote_summary['mentee_org']}"
    reason = "" if mentee_view and req.decline_reason_private else req.decline_reason
    asked = req.remote_summary
    return RequestOut(
        id=req.id,
        batch_id=req.batch_id,
        rank=req.rank,
        direction=req.direction.value,
        my_role="mentee" if mentee_view else "mentor",
        state=req.state.value,
        scheme_id=req.scheme_id,
        counterpart=counterpart or "(another organisation)",
        message=req.message,
        sent_at=req.sent_at,
        expires_at=req.expires_at,
        answered_at=req.answered_at,
        decline_code=req.decline_code,
        decline_reason=reason,
        relationship_id=req.relationship_id,
        topics_wanted=[
            TopicAskedOut(str(t.get("topic", "")), int(t.get("importance", 0)))
            for t in asked.get("topics", [])
        ],
        meeting_modes=[str(m) for m in asked.get("meeting_modes", [])],
        languages=[str(lang) for lang in asked.get("languages", [])],
    )


class RelationshipOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID | None
    state: str
    my_role: str
    counterpart: str
    counterpart_email: str
    cross_org: bool
    started_at: datetime
    planned_end_on: date
    ended_at: datetime | None
    end_kind: str | None
    time_release: TimeReleaseOut


def relationship_out(
    rel: Relationship, viewer: Member, other: Member | None, release: TimeRelease
) -> RelationshipOut:
    return RelationshipOut(
        id=rel.id,
        scheme_id=rel.scheme_id,
        state=rel.state.value,
        my_role=(rel.party_of(viewer.id) or "mentee").__str__(),
        counterpart=other.display_name if other else rel.counterpart_name,
        counterpart_email=other.email if other else rel.counterpart_email,
        cross_org=rel.is_remote,
        started_at=rel.started_at,
        planned_end_on=rel.planned_end_on,
        ended_at=rel.ended_at,
        end_kind=rel.end_kind.value if rel.end_kind else None,
        time_release=TimeReleaseOut.of(release),
    )


class AgreementOut(msgspec.Struct, frozen=True):
    relationship_id: uuid.UUID
    frequency: str
    location: str
    length_minutes: int | None
    contact_by: str | None
    communication: str
    work_context: str
    objectives: str
    expected_outcomes: str
    shadowing_wanted: bool
    code_of_conduct: str
    principles: list[str]
    mentee_confirmed_at: datetime | None
    mentor_confirmed_at: datetime | None

    @classmethod
    def of(cls, a: Agreement) -> AgreementOut:
        return cls(
            a.relationship_id,
            a.frequency,
            a.location,
            a.length_minutes,
            a.contact_by.value if a.contact_by else None,
            a.communication,
            a.work_context,
            a.objectives,
            a.expected_outcomes,
            a.shadowing_wanted,
            a.code_of_conduct,
            list(a.principles),
            a.mentee_confirmed_at,
            a.mentor_confirmed_at,
        )


class MeetingOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    state: str
    starts_at: datetime
    duration_minutes: int
    mode: str
    location: str
    preparation_minutes: int
    summary: str
    mentor_record: str

    @classmethod
    def of(cls, m: Meeting) -> MeetingOut:
        return cls(
            m.id,
            m.relationship_id,
            m.state.value,
            m.starts_at,
            m.duration_minutes,
            m.mode.value,
            m.location,
            m.preparation_minutes,
            m.summary,
            m.mentor_record,
        )


class MeetingResultOut(msgspec.Struct, frozen=True):
    meeting: MeetingOut
    time_release: TimeReleaseOut


class NoteOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    meeting_id: uuid.UUID
    text: str
    created_at: datetime

    @classmethod
    def of(cls, n: MeetingNote) -> NoteOut:
        return cls(n.id, n.meeting_id, n.text, n.created_at)


class ObjectiveOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    title: str
    expected_outcome: str
    actions: list[dict[str, Any]]
    status: str
    updated_at: datetime

    @classmethod
    def of(cls, o: Objective) -> ObjectiveOut:
        return cls(o.id, o.title, o.expected_outcome, list(o.actions), o.status.value, o.updated_at)


class LogEntryOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    entry_date: date
    activity: str
    learning: str
    next_steps: str
    shared: bool

    @classmethod
    def of(cls, e: LogEntry) -> LogEntryOut:
        return cls(
            e.id, e.relationship_id, e.entry_date, e.activity, e.learning, e.next_steps, e.shared
        )


class ShadowingOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    kind: str
    host_name: str
    dates: list[str]
    purpose: str
    state: str
    manager_reason: str

    @classmethod
    def of(cls, s: Shadowing) -> ShadowingOut:
        return cls(
            s.id,
            s.relationship_id,
            s.kind.value,
            s.host_name,
            list(s.dates),
            s.purpose,
            s.state.value,
            s.manager_reason,
        )


class ConcernOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    category: str
    text: str
    state: str
    resolution: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Concern) -> ConcernOut:
        return cls(
            c.id,
            c.relationship_id,
            c.category.value,
            c.text,
            c.state.value,
            c.resolution,
            c.created_at,
            c.updated_at,
        )


class EvaluationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    questionnaire_id: uuid.UUID
    title: str
    questions: list[dict[str, Any]]
    due_at: datetime
    submitted_at: datetime | None
    answers: dict[str, Any]


def evaluation_out(e: EvaluationDue, q: Questionnaire) -> EvaluationOut:
    return EvaluationOut(
        e.id,
        e.relationship_id,
        q.id,
        q.title,
        list(q.questions),
        e.due_at,
        e.submitted_at,
        dict(e.answers),
    )


class QuestionnaireOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    audience: str
    stage: str
    title: str
    questions: list[dict[str, Any]]

    @classmethod
    def of(cls, q: Questionnaire) -> QuestionnaireOut:
        return cls(q.id, q.scheme_id, q.audience.value, q.stage.value, q.title, list(q.questions))


class QuestionResultOut(msgspec.Struct, frozen=True, omit_defaults=True):
    key: str
    text: str
    kind: str
    answered: int
    mean: float | None = None
    distribution: dict[str, int] | None = None
    yes: int | None = None


class QuestionnaireResultOut(msgspec.Struct, frozen=True):
    questionnaire_id: uuid.UUID
    title: str
    audience: str
    stage: str
    responses: int
    suppressed: bool
    questions: list[QuestionResultOut]

    @classmethod
    def of(cls, r: QuestionnaireResult) -> QuestionnaireResultOut:
        return cls(
            r.questionnaire_id,
            r.title,
            r.audience.value,
            r.stage.value,
            r.responses,
            r.suppressed,
            [
                QuestionResultOut(
                    q.key, q.text, q.kind.value, q.answered, q.mean, q.distribution, q.yes
                )
                for q in r.questions
            ],
        )


class ResultsOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    min_group: int
    questionnaires: list[QuestionnaireResultOut]
    #: Per outcome kind; null when fewer than ``min_group`` (suppressed).
    outcomes: dict[str, int | None]


class HealthOut(msgspec.Struct, frozen=True):
    relationship_id: uuid.UUID
    scheme_id: uuid.UUID | None
    mentee: str
    mentor: str
    cross_org: bool
    state: str
    started_on: date
    planned_end_on: date
    ended_at: datetime | None
    end_kind: str | None
    end_reason: str
    meetings_held: int
    meetings_scheduled: int
    last_meeting_on: date | None
    hours_used: float
    hours_budget: float
    recommended_sessions: int
    overdue_evaluations: int
    open_concerns: int

    @classmethod
    def of(cls, h: Health) -> HealthOut:
        return cls(
            h.relationship_id,
            h.scheme_id,
            h.mentee,
            h.mentor,
            h.cross_org,
            h.state.value,
            h.started_on,
            h.planned_end_on,
            h.ended_at,
            h.end_kind.value if h.end_kind else None,
            h.end_reason,
            h.meetings_held,
            h.meetings_scheduled,
            h.last_meeting_on,
            h.hours_used,
            h.hours_budget,
            h.recommended_sessions,
            h.overdue_evaluations,
            h.open_concerns,
        )


class NotificationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    kind: str
    subject: str
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(n.id, n.kind.value, n.subject, n.text, n.link, n.created_at, n.read_at)
