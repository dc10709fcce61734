"""Response shapes of schemes (rules, eligibility, trainings) and of applications to them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from orgs.schemes.applications import Application, ApplicationService, AppState, Placement
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeForm, SchemeKind
from orgs.structs import out


class SchemeOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    kind: SchemeKind
    form: SchemeForm
    applications_open_on: date | None
    applications_close_on: date | None
    starts_on: date | None
    ends_on: date | None
    max_months: int
    mentor_places: int | None
    mentee_places: int | None
    group_size: int | None
    time_release_hours: int
    recommended_sessions: int


class RulesOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    version: int
    document: dict[str, Any]
    note: str
    created_by: str
    created_at: datetime


class DecisionOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    member_id: uuid.UUID
    role: SchemeRole
    eligible: bool
    reasons: list[str]


class RuleCount(msgspec.Struct, frozen=True):
    rule: str
    admits: int
    excludes: int


class PreviewOut(msgspec.Struct, frozen=True):
    role: SchemeRole
    version: int | None
    staff: int
    eligible: int
    rules: list[RuleCount]


class TrainingOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    role: SchemeRole
    title: str
    training_key: str
    held_on: date | None


class AttendanceOut(msgspec.Struct, frozen=True):
    training_id: uuid.UUID
    member_id: uuid.UUID
    attended: bool
    recorded_at: datetime


class ApplicationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    member_id: uuid.UUID
    role: SchemeRole
    state: AppState
    career_to_date: str
    hoped_gains: str
    offer: str
    eligible: bool
    #: Plain-English reasons naming each rule; never says which special category decided.
    eligibility_reasons: list[str]
    approver_id: uuid.UUID | None
    awaiting_since: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    decision_reason: str
    service_delivery_considered: bool
    exception_reason: str
    exception_decision_reason: str
    placement: Placement
    waiting_position: int | None
    created_at: datetime
    updated_at: datetime


async def application_out(service: ApplicationService, a: Application) -> ApplicationOut:
    return out(ApplicationOut, a, waiting_position=await service.waiting_position(a))


class AuditOut(msgspec.Struct, frozen=True):
    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    actor_member_id: uuid.UUID | None
    actor_label: str = msgspec.field(name="actor")
    reason: str
