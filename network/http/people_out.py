"""Response shapes about people: staff (HR data), chains, roles, a member's own record and
special-category declaration, profiles and the topic taxonomy."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from matching.taxonomy import TAXONOMY_VERSION, TopicKind
from orgs.people.members import MemberStatus
from orgs.people.profiles import MenteeProfileIn, MentorProfileIn
from orgs.people.roles import Role
from orgs.people.special_category import ConsentAction, Ethnicity


class StaffOut(msgspec.Struct, frozen=True):
    """HR data of one member. Never special-category data."""

    id: uuid.UUID
    employee_id: str | None
    email: str
    given_name: str
    family_name: str
    department: str
    job_title: str
    grade: str
    location: str
    employment_type: str
    school_based: bool
    start_date: date | None
    manager_id: uuid.UUID | None
    status: MemberStatus
    left_at: datetime | None
    attributes: dict[str, object]


class ChainOut(msgspec.Struct, frozen=True):
    member_id: uuid.UUID
    above: list[uuid.UUID]
    below: list[uuid.UUID]


class RoleOut(msgspec.Struct, frozen=True):
    member_id: uuid.UUID
    employee_id: str | None
    name: str
    role: Role
    granted_at: datetime


class MeOut(msgspec.Struct, frozen=True):
    member: StaffOut
    roles: list[Role]
    line_manager: bool


class ConsentOut(msgspec.Struct, frozen=True):
    action: ConsentAction
    statement_version: str
    at: datetime


class DeclarationOut(msgspec.Struct, frozen=True):
    declared: bool
    ethnicity: Ethnicity | None
    disability: bool | None
    declared_at: datetime | None
    consent_statement: str
    consent_version: str
    consents: list[ConsentOut]


class MenteeProfileOut(MenteeProfileIn, frozen=True):
    taxonomy_version: str = TAXONOMY_VERSION


class MentorProfileOut(MentorProfileIn, frozen=True):
    taxonomy_version: str = TAXONOMY_VERSION


class TopicOut(msgspec.Struct, frozen=True):
    id: str
    label: str
    kind: TopicKind


class TaxonomyOut(msgspec.Struct, frozen=True):
    version: str
    topics: list[TopicOut]
