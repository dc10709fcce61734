"""Response shapes of equality monitoring (a member's own answers, what the org monitors, the
workforce profile), the pipeline figures, report schedules and check-ins."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from orgs.mentoring.checkins import CheckinSettingsIn
from orgs.mentoring.relationships import Party
from orgs.people.equality import Characteristic, ConsentAction
from orgs.records.report_schedules import Frequency
from orgs.schemes.eligibility import SchemeRole


class EqualityConsentOut(msgspec.Struct, frozen=True):
    action: ConsentAction
    statement_version: str
    at: datetime


class MyEqualityOut(msgspec.Struct, frozen=True):
    """The member's own answers: for their eyes only."""

    answers: dict[Characteristic, str]
    declared_at: datetime | None
    consent_statement: str
    consent_version: str
    consents: list[EqualityConsentOut]


class QuestionOut(msgspec.Struct, frozen=True):
    characteristic: Characteristic
    answers: list[str]  # "prefer_not_to_say" is always one of them


class MonitoringOut(msgspec.Struct, frozen=True):
    """What the organisation asks (only what it chose to monitor)."""

    characteristics: list[Characteristic]
    questions: list[QuestionOut]
    consent_statement: str
    consent_version: str


class WorkforceOut(msgspec.Struct, frozen=True):
    counts: dict[Characteristic, dict[str, int]]


class RowFiguresOut(msgspec.Struct, frozen=True):
    category: str
    #: Per stage: the count, or null when it is hidden (never which were small).
    counts: dict[str, int | None]
    rates: dict[str, float | None]
    share_of_applied: float | None
    share_of_workforce: float | None


class PipelineOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    scheme_name: str
    characteristic: Characteristic
    role: SchemeRole
    period_from: date | None
    period_to: date | None
    columns: list[str]
    rows: list[RowFiguresOut]
    hidden: int


class InterestOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    role: SchemeRole
    at: datetime


class ScheduleOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    recipients: list[str]
    frequency: Frequency
    next_send_on: date
    last_sent_at: datetime | None


class CheckinOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    round: int
    due_at: datetime
    answered_at: datetime | None
    going: int | None
    meeting_regularly: bool | None


CheckinSettingsOut = CheckinSettingsIn


class ReviewPointOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    on: date
    note: str
    recorded_by: Party
    reminded_at: datetime | None


class ExtensionOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    previous_end_on: date
    until: date
    reason: str
    proposed_by: Party
    proposed_at: datetime
    agreed_at: datetime | None
    declined_at: datetime | None
    #: ``proposed`` (waiting for the other person), ``agreed`` or ``declined``.
    state: str
