"""Response shapes of the mentoring API, from a request to the end of a relationship, and of
coordination (health, concerns, questionnaires, outcomes). Built with ``responses.out``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from matching.taxonomy import importance_words, label_of
from orgs.mentoring.agreements import ContactBy
from orgs.mentoring.concerns import ConcernCategory, ConcernState
from orgs.mentoring.evaluations import (
    Audience,
    EvaluationDue,
    OutcomeKind,
    QuestionKind,
    Questionnaire,
    Stage,
)
from orgs.mentoring.meetings import MeetingMode, MeetingState, TimeRelease
from orgs.mentoring.objectives import ObjectiveStatus
from orgs.mentoring.relationship_states import EndKind, RelationshipState, RequestState
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.shadowing import ShadowingKind, ShadowingState
from orgs.mentoring.shared_record import (
    CHANGE_WORDS,
    STALE_TEXT,
    ChangeOutcome,
    InFlight,
    SharedChange,
)
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind
from orgs.structs import out


class TimeReleaseOut(msgspec.Struct, frozen=True):
    budget_hours: float
    used_hours: float
    percent: int
    warning: bool
    message: str
    sessions_held: int
    recommended_sessions: int


class TopicAskedOut(msgspec.Struct, frozen=True):
    topic: str
    importance: int
    #: The topic's label and its importance in words ("essential (5 of 5)").
    label: str
    importance_words: str


#: How a meeting mode a mentee asks for reads.
MODE_WORDS = {"in_person": "in person", "remote": "remotely", "phone": "by phone"}


class RequestOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    batch_id: uuid.UUID
    rank: int
    direction: Direction
    my_role: str
    state: RequestState
    scheme_id: uuid.UUID | None
    #: The other party's name once it may be known (after acceptance), else what may be
    #: said of them ("a mentee at London Borough of Brent").
    counterpart: str
    #: The other party's organisation when it is another one (its display name).
    counterpart_org: str
    #: The mentee's own words, sent only to the mentors they chose.
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
    #: The meeting modes in words ("in person or remotely").
    meeting_modes_words: str
    languages: list[str]


def _counterpart(req: MentoringRequest, names: dict[uuid.UUID, str], *, mentee_view: bool) -> str:
    other = req.mentor_id if mentee_view else req.mentee_id
    named = names.get(other, "") if other else req.counterpart_name
    if named:
        return named
    # Before acceptance a person of another organisation is only their organisation.
    them = "a mentor" if mentee_view else "a mentee"
    org = req.counterpart_org or str(req.remote_summary.get("mentee_org") or "")
    return f"{them} at {org}" if org else f"{them} at another organisation"


def _topic_asked(item: Any) -> TopicAskedOut:
    # The stored summary may be JSON another node sent: read it leniently.
    topic, importance = str(item.get("topic", "")), int(item.get("importance", 0))
    return TopicAskedOut(topic, importance, label_of(topic), importance_words(importance))


def request_out(req: MentoringRequest, viewer: Member, names: dict[uuid.UUID, str]) -> RequestOut:
    mentee_view = req.mentee_id == viewer.id
    asked = req.remote_summary
    modes = [str(m) for m in asked.get("meeting_modes", [])]
    return out(
        RequestOut,
        req,
        my_role="mentee" if mentee_view else "mentor",
        counterpart=_counterpart(req, names, mentee_view=mentee_view),
        decline_reason="" if mentee_view and req.decline_reason_private else req.decline_reason,
        topics_wanted=[_topic_asked(t) for t in asked.get("topics", [])],
        meeting_modes=modes,
        meeting_modes_words=" or ".join(MODE_WORDS.get(m, m) for m in modes),
        languages=[str(lang) for lang in asked.get("languages", [])],
    )


PENDING_TEXT = "Waiting for the other organisation to confirm"


class SharedChangeOut(msgspec.Struct, frozen=True):
    """A change made on this node to a record the other organisation's node keeps (the
    mentee's): still waiting for it, or answered there without being made."""

    op: str
    #: The shared item (its ``shared_ref``, or ``agreement``).
    item_ref: str
    outcome: ChangeOutcome
    #: What it is and what became of it, in words.
    what: str
    message: str
    made_at: datetime


def shared_change_out(change: SharedChange) -> SharedChangeOut:
    if change.outcome is ChangeOutcome.PENDING:
        message = PENDING_TEXT
    elif change.outcome is ChangeOutcome.STALE:
        message = "Changed by the other party meanwhile. " + STALE_TEXT
    else:
        message = f"Your change was not made: {change.reason}"
    return SharedChangeOut(
        op=change.op,
        item_ref=change.item_ref,
        outcome=change.outcome,
        what=CHANGE_WORDS.get(change.op, "Your change"),
        message=message,
        made_at=change.created_at,
    )


class RelationshipOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID | None
    state: RelationshipState
    my_role: str
    counterpart: str
    counterpart_email: str
    #: The other party's organisation when it is another one (its display name).
    counterpart_org: str
    cross_org: bool
    started_at: datetime
    planned_end_on: date
    ended_at: datetime | None
    end_kind: EndKind | None
    time_release: TimeReleaseOut
    #: On the mentor's side of a pair across nodes: changes made here that the mentee's node
    #: has not answered yet (already shown here, not yet part of the shared record) …
    pending_changes: list[SharedChangeOut] = msgspec.field(default_factory=list)
    #: … and those it answered without making them (stale or refused), not made again since.
    changes_not_made: list[SharedChangeOut] = msgspec.field(default_factory=list)


def relationship_out(
    rel: Relationship,
    viewer: Member,
    other: Member | None,
    release: TimeRelease,
    flight: InFlight | None = None,
) -> RelationshipOut:
    return out(
        RelationshipOut,
        rel,
        my_role=str(rel.party_of(viewer.id) or "mentee"),
        counterpart=other.display_name if other else rel.counterpart_name,
        counterpart_email=other.email if other else rel.counterpart_email,
        cross_org=rel.is_remote,
        time_release=release,
        pending_changes=[shared_change_out(c) for c in flight.pending] if flight else [],
        changes_not_made=[shared_change_out(c) for c in flight.not_made] if flight else [],
    )


class AgreementOut(msgspec.Struct, frozen=True):
    relationship_id: uuid.UUID
    frequency: str
    location: str
    length_minutes: int | None
    contact_by: ContactBy | None
    communication: str
    work_context: str
    objectives: str
    expected_outcomes: str
    shadowing_wanted: bool
    code_of_conduct: str
    principles: list[str]
    mentee_confirmed_at: datetime | None
    mentor_confirmed_at: datetime | None
    #: What each party confirmed (SHA-256 of the agreement text) and, across organisations,
    #: the other organisation's code of conduct: both codes are part of what both confirm.
    mentee_confirmed_sha256: str = ""
    mentor_confirmed_sha256: str = ""
    partner_code_of_conduct: str = ""


class MeetingOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    state: MeetingState
    starts_at: datetime
    duration_minutes: int
    mode: MeetingMode
    location: str
    preparation_minutes: int
    summary: str
    mentor_record: str
    #: The meeting's id on both sides of a cross-organisation relationship.
    shared_ref: str | None = None


class MeetingResultOut(msgspec.Struct, frozen=True):
    meeting: MeetingOut
    time_release: TimeReleaseOut


class NoteOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    meeting_id: uuid.UUID
    text: str
    created_at: datetime


class ObjectiveOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    title: str
    expected_outcome: str
    actions: list[dict[str, Any]]
    status: ObjectiveStatus
    updated_at: datetime
    shared_ref: str | None = None


class LogEntryOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    entry_date: date
    activity: str
    learning: str
    next_steps: str
    shared: bool
    shared_ref: str | None = None


class ShadowingOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    kind: ShadowingKind
    host_name: str
    dates: list[str]
    purpose: str
    state: ShadowingState
    manager_reason: str
    shared_ref: str | None = None


class ConcernOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    category: ConcernCategory
    text: str
    state: ConcernState
    resolution: str
    created_at: datetime
    updated_at: datetime


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
    return out(EvaluationOut, e, questionnaire_id=q.id, title=q.title, questions=q.questions)


class QuestionnaireOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    audience: Audience
    stage: Stage
    title: str
    questions: list[dict[str, Any]]


class QuestionResultOut(msgspec.Struct, frozen=True, omit_defaults=True):
    key: str
    text: str
    kind: QuestionKind
    answered: int
    mean: float | None = None
    distribution: dict[str, int] | None = None
    yes: int | None = None


class QuestionnaireResultOut(msgspec.Struct, frozen=True):
    questionnaire_id: uuid.UUID
    title: str
    audience: Audience
    stage: Stage
    responses: int
    suppressed: bool
    questions: list[QuestionResultOut]


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
    counterpart_org: str
    state: RelationshipState
    started_on: date
    planned_end_on: date
    ended_at: datetime | None
    end_kind: EndKind | None
    end_reason: str
    meetings_held: int
    meetings_scheduled: int
    last_meeting_on: date | None
    hours_used: float
    hours_budget: float
    recommended_sessions: int
    overdue_evaluations: int
    open_concerns: int
    checkin_flags: tuple[str, ...] = ()


class NotificationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    kind: NotificationKind
    subject: str
    text: str
    link: str  # the page it is about, a path on this node ("" when about nothing to open)
    created_at: datetime
    read_at: datetime | None


class MarkedReadOut(msgspec.Struct, frozen=True):
    marked: int  # how many were unread


class SchemeTermsOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    code_of_conduct: str
    principles: list[str]
    midpoint_evaluation: bool


class OutcomeOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    kind: OutcomeKind
    on: date
