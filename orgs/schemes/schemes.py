"""Schemes: an org's mentoring offers, open (MyMentor style) or cohort programmes, and their
required training sessions with attendance."""

from __future__ import annotations

import calendar
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import AlreadyExists, FieldError, InvalidInput, NotFound
from orgs.people.members import MemberRepository
from orgs.repository import OrgRepository
from orgs.schemes.eligibility import SchemeRole

DEFAULT_MAX_MONTHS = 9
DEFAULT_TIME_RELEASE_HOURS = 12
DEFAULT_RECOMMENDED_SESSIONS = 6
SCHEME_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,58}[a-z0-9]$")


class SchemeKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    REVERSE = "reverse"  # a junior member mentors a senior one
    GROUP = "group"  # one mentor, a small group of mentees


class SchemeForm(StrEnum):
    OPEN = "open"  # always open, MyMentor style
    COHORT = "cohort"  # a programme with a window, dates and places


class Scheme(OrgOwned, Base):
    __tablename__ = "schemes"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SchemeKind] = mapped_column(enum_column(SchemeKind), default=SchemeKind.ONE_TO_ONE)
    form: Mapped[SchemeForm] = mapped_column(enum_column(SchemeForm), default=SchemeForm.OPEN)
    applications_open_on: Mapped[date | None] = mapped_column(Date, default=None)
    applications_close_on: Mapped[date | None] = mapped_column(Date, default=None)
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    max_months: Mapped[int] = mapped_column(default=DEFAULT_MAX_MONTHS)
    mentor_places: Mapped[int | None] = mapped_column(default=None)
    mentee_places: Mapped[int | None] = mapped_column(default=None)
    group_size: Mapped[int | None] = mapped_column(default=None)
    time_release_hours: Mapped[int] = mapped_column(default=DEFAULT_TIME_RELEASE_HOURS)
    recommended_sessions: Mapped[int] = mapped_column(default=DEFAULT_RECOMMENDED_SESSIONS)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def places(self, role: SchemeRole) -> int | None:
        return self.mentor_places if role is SchemeRole.MENTOR else self.mentee_places

    def open_on(self, today: date) -> bool:
        if self.form is SchemeForm.OPEN:
            return True
        assert self.applications_open_on is not None
        assert self.applications_close_on is not None
        return self.applications_open_on <= today <= self.applications_close_on


class SchemeTraining(OrgOwned, Base):
    """A required training session for a scheme's mentors or mentees."""

    __tablename__ = "scheme_trainings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[SchemeRole] = mapped_column(enum_column(SchemeRole))
    title: Mapped[str] = mapped_column(String(200))
    #: What rules call it: ``training_completed: mentor-training``.
    training_key: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingAttendance(OrgOwned, Base):
    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("training_id", "member_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    training_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("scheme_trainings.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    attended: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200), default="")


class SchemeRepository(OrgRepository[Scheme]):
    model = Scheme
    noun = "scheme"


class TrainingRepository(OrgRepository[SchemeTraining]):
    model = SchemeTraining
    noun = "training session"


class AttendanceRepository(OrgRepository[TrainingAttendance]):
    model = TrainingAttendance
    noun = "attendance record"


Places = Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class SchemeSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a coordinator gives to create a scheme (HTTP body, CLI options, demo data)."""

    slug: Annotated[str, msgspec.Meta(min_length=2, max_length=60)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    kind: SchemeKind = SchemeKind.ONE_TO_ONE
    form: SchemeForm = SchemeForm.OPEN
    applications_open_on: date | None = None
    applications_close_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    max_months: Annotated[int, msgspec.Meta(ge=1, le=36)] = DEFAULT_MAX_MONTHS
    mentor_places: Places | None = None
    mentee_places: Places | None = None
    group_size: Annotated[int, msgspec.Meta(ge=2, le=12)] | None = None
    time_release_hours: Annotated[int, msgspec.Meta(ge=0, le=200)] = DEFAULT_TIME_RELEASE_HOURS
    recommended_sessions: Annotated[int, msgspec.Meta(ge=1, le=50)] = DEFAULT_RECOMMENDED_SESSIONS


class TrainingIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A required training session to add to a scheme."""

    role: SchemeRole
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    training_key: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    held_on: date | None = None


class AttendanceIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    attended: bool


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_spec(spec: SchemeSpec) -> None:
    errors: list[FieldError] = []
    if not SCHEME_SLUG.fullmatch(spec.slug) or "--" in spec.slug:
        errors.append(FieldError("slug", "lower-case letters, digits and hyphens"))
    if spec.form == SchemeForm.COHORT:
        for name in (
            "applications_open_on",
            "applications_close_on",
            "starts_on",
            "ends_on",
            "mentor_places",
            "mentee_places",
        ):
            if getattr(spec, name) is None:
                errors.append(FieldError(name, "a cohort programme needs it"))
    opens, closes = spec.applications_open_on, spec.applications_close_on
    if opens and closes and closes < opens:
        errors.append(FieldError("applications_close_on", "is before the window opens"))
    starts, ends = spec.starts_on, spec.ends_on
    if starts and ends:
        if ends <= starts:
            errors.append(FieldError("ends_on", "must be after starts_on"))
        elif ends > add_months(starts, spec.max_months):
            errors.append(
                FieldError("ends_on", f"more than {spec.max_months} months after starts_on")
            )
    if closes and starts and starts < closes:
        errors.append(FieldError("starts_on", "is before applications close"))
    if spec.kind is not SchemeKind.GROUP and spec.group_size is not None:
        errors.append(FieldError("group_size", "only group schemes have a group size"))
    if errors:
        raise InvalidInput(
            "The scheme is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            tuple(errors),
        )


class SchemeService:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.schemes = SchemeRepository(session, org_id)
        self.trainings = TrainingRepository(session, org_id)
        self.attendance = AttendanceRepository(session, org_id)

    async def create(self, spec: SchemeSpec) -> Scheme:
        check_spec(spec)
        if await self.schemes.find_one(Scheme.slug == spec.slug) is not None:
            raise AlreadyExists(f"A scheme {spec.slug!r} already exists.")
        values = msgspec.structs.asdict(spec)
        if spec.kind is SchemeKind.GROUP and spec.group_size is None:
            values["group_size"] = 4
        scheme = self.schemes.add(Scheme(**values))
        await self.session.flush()
        return scheme

    async def update(self, scheme: Scheme, spec: SchemeSpec, who: ActorRef) -> Scheme:
        """Change a scheme's details (its slug, which rules and links use, stays)."""
        if spec.slug != scheme.slug:
            raise InvalidInput.on("slug", "cannot change once the scheme exists")
        check_spec(spec)
        values = msgspec.structs.asdict(spec)
        if spec.kind is SchemeKind.GROUP and spec.group_size is None:
            values["group_size"] = scheme.group_size or 4
        changed = sorted(k for k, v in values.items() if getattr(scheme, k) != v)
        for name in changed:
            setattr(scheme, name, values[name])
        if changed:
            AuditLog(self.session, self.org_id).record(
                "scheme", scheme.id, "changed", who, reason=", ".join(changed)
            )
        await self.session.flush()
        return scheme

    async def get(self, scheme_id: uuid.UUID) -> Scheme:
        return await self.schemes.get(scheme_id)

    async def by_slug(self, slug: str) -> Scheme:
        scheme = await self.schemes.find_one(Scheme.slug == slug)
        if scheme is None:
            raise NotFound(f"No scheme {slug!r}.")
        return scheme

    async def list(self) -> Sequence[Scheme]:
        return await self.schemes.list(order_by=Scheme.slug)

    async def add_training(
        self,
        scheme: Scheme,
        role: SchemeRole,
        title: str,
        training_key: str,
        held_on: date | None,
    ) -> SchemeTraining:
        if not title.strip() or not training_key.strip():
            raise InvalidInput.on("title", "a training session needs a title and a key")
        training = self.trainings.add(
            SchemeTraining(
                scheme_id=scheme.id,
                role=role,
                title=title.strip()[:200],
                training_key=training_key.strip()[:100],
                held_on=held_on,
            )
        )
        await self.session.flush()
        return training

    async def list_trainings(self, scheme: Scheme) -> Sequence[SchemeTraining]:
        return await self.trainings.list(
            SchemeTraining.scheme_id == scheme.id, order_by=SchemeTraining.created_at
        )

    async def record_attendance(
        self, training_id: uuid.UUID, member_id: uuid.UUID, *, attended: bool, who: ActorRef
    ) -> TrainingAttendance:
        training = await self.trainings.get(training_id)
        member = await MemberRepository(self.session, self.org_id).get(member_id)
        row = await self.attendance.find_one(
            TrainingAttendance.training_id == training.id,
            TrainingAttendance.member_id == member.id,
        )
        if row is None:
            row = self.attendance.add(
                TrainingAttendance(training_id=training.id, member_id=member.id)
            )
        row.attended = attended
        row.recorded_at = utcnow()
        row.recorded_by = who.label[:200]
        AuditLog(self.session, self.org_id).record(
            "training",
            training.id,
            "attendance",
            who,
            to_state="attended" if attended else "absent",
            reason=f"member {member.id}",
        )
        await self.session.flush()
        return row

    async def attendance_of(self, training_id: uuid.UUID) -> Sequence[TrainingAttendance]:
        training = await self.trainings.get(training_id)
        return await self.attendance.list(TrainingAttendance.training_id == training.id)

    async def trainings_completed(
        self, member_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, set[str]]:
        """The training keys each member attended (any scheme of the org)."""
        ids = list(member_ids)
        if not ids:
            return {}
        trainings = {t.id: t.training_key for t in await self.trainings.list()}
        done: dict[uuid.UUID, set[str]] = {}
        for row in await self.attendance.list(
            TrainingAttendance.member_id.in_(ids), TrainingAttendance.attended.is_(True)
        ):
            if row.training_id in trainings:
                done.setdefault(row.member_id, set()).add(trainings[row.training_id])
        return done
