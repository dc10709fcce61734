"""Mentee and mentor profiles: what a member wants or offers, in taxonomy terms.

Free text (goals, pen picture) stays on this node: only ``to_mentee``/``to_mentor`` values
reach the matching engine, and they carry ids and coarse facts only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from matching.errors import UnknownTopicError
from matching.model import MeetingMode, MenteeProfile, MentorProfile
from matching.taxonomy import TAXONOMY_VERSION, is_known, resolve_local_labels
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import FieldError, InvalidInput
from orgs.models import Org
from orgs.org_settings import settings_of
from orgs.people.members import Member
from orgs.repository import OrgRepository

MAX_TOPICS = 15
BANDS = (1, 9)

FreeText = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(max_length=100)]
Language = Annotated[str, msgspec.Meta(min_length=2, max_length=35)]
Languages = Annotated[list[Language], msgspec.Meta(max_length=10)]


class MenteeProfileIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    topics: dict[str, int]
    meeting_mode: MeetingMode = MeetingMode.EITHER
    region: Short = ""
    languages: Languages = msgspec.field(default_factory=list)
    open_to_other_orgs: bool = True
    wanted_bands: tuple[int, int] | None = None
    goals: FreeText = ""
    career_to_date: FreeText = ""


class MentorProfileIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    topics: dict[str, int]
    capacity: int = 1
    paused_until: date | None = None
    meeting_modes: Annotated[
        list[Literal["in_person", "remote"]], msgspec.Meta(min_length=1, max_length=2)
    ] = msgspec.field(default_factory=lambda: ["in_person", "remote"])
    region: Short = ""
    languages: Languages = msgspec.field(default_factory=list)
    sector: Short = ""
    seniority_band: int = 5
    open_to_other_orgs: bool = False
    pen_picture: FreeText = ""


class MenteeProfileRow(OrgOwned, Base):
    __tablename__ = "mentee_profiles"
    __table_args__ = (UniqueConstraint("org_id", "member_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: taxonomy id -> importance 1..5 (the MyMentor rating scale)
    topics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    meeting_mode: Mapped[MeetingMode] = mapped_column(
        enum_column(MeetingMode), default=MeetingMode.EITHER
    )
    region: Mapped[str] = mapped_column(String(100), default="")
    languages: Mapped[list[str]] = mapped_column(default=list)
    open_to_other_orgs: Mapped[bool] = mapped_column(default=True)
    wanted_band_low: Mapped[int | None] = mapped_column(default=None)
    wanted_band_high: Mapped[int | None] = mapped_column(default=None)
    goals: Mapped[str] = mapped_column(Text, default="")  # local only
    career_to_date: Mapped[str] = mapped_column(Text, default="")  # local only
    taxonomy_version: Mapped[str] = mapped_column(String(20), default=TAXONOMY_VERSION)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def wanted_bands(self) -> tuple[int, int] | None:
        """The seniority bands wanted in a mentor, lowest and highest; None for any."""
        low, high = self.wanted_band_low, self.wanted_band_high
        return (low, high) if low is not None and high is not None else None


class MentorProfileRow(OrgOwned, Base):
    __tablename__ = "mentor_profiles"
    __table_args__ = (UniqueConstraint("org_id", "member_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: taxonomy id -> level 1..3
    topics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    capacity: Mapped[int] = mapped_column(default=1)
    paused_until: Mapped[date | None] = mapped_column(default=None)
    meeting_modes: Mapped[list[str]] = mapped_column(default=lambda: ["in_person", "remote"])
    region: Mapped[str] = mapped_column(String(100), default="")
    languages: Mapped[list[str]] = mapped_column(default=list)
    sector: Mapped[str] = mapped_column(String(50), default="")
    seniority_band: Mapped[int] = mapped_column(default=5)
    #: Opted in to mentoring people of other organisations (and so to federated cards).
    open_to_other_orgs: Mapped[bool] = mapped_column(default=False)
    pen_picture: Mapped[str] = mapped_column(Text, default="")  # local until introduction
    taxonomy_version: Mapped[str] = mapped_column(String(20), default=TAXONOMY_VERSION)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def paused_on(self, today: date) -> bool:
        return self.paused_until is not None and today < self.paused_until


class MenteeProfiles(OrgRepository[MenteeProfileRow]):
    model = MenteeProfileRow
    noun = "mentee profile"


class MentorProfiles(OrgRepository[MentorProfileRow]):
    model = MentorProfileRow
    noun = "mentor profile"


def check_topics(topics: dict[str, int], low: int, high: int, what: str) -> None:
    """Known topics, values in range, at least one and at most ``MAX_TOPICS``: a profile with no
    topic matches nobody, and the wire's requests and cards need one at least."""
    if not topics:
        raise InvalidInput.on("topics", "choose at least one topic")
    errors = [
        FieldError(f"topics.{topic}", "not a topic of the shared taxonomy")
        for topic in topics
        if not is_known(topic)
    ]
    errors += [
        FieldError(f"topics.{topic}", f"{what} must be {low}–{high}")
        for topic, value in topics.items()
        if not low <= value <= high
    ]
    if len(topics) > MAX_TOPICS:
        errors.append(FieldError("topics", f"at most {MAX_TOPICS} topics"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), tuple(errors))


def check_band_range(low: int | None, high: int | None) -> None:
    if (low is None) != (high is None):
        raise InvalidInput.on("wanted_bands", "give both ends of the range, or neither")
    if low is not None and high is not None and not BANDS[0] <= low <= high <= BANDS[1]:
        raise InvalidInput.on("wanted_bands", f"a range within {BANDS[0]}–{BANDS[1]}, low first")


def apply_local_labels(labels: Mapping[str, str], topics: dict[str, int]) -> dict[str, int]:
    """Topics named by the org's own labels become taxonomy ids (the higher value wins when
    two land on one id); anything else is left for ``check_topics`` to report."""
    resolved: dict[str, int] = {}
    for key, value in topics.items():
        try:
            (topic_id,) = resolve_local_labels(labels, {key: value})
        except UnknownTopicError:
            topic_id = key
        resolved[topic_id] = max(value, resolved.get(topic_id, value))
    return resolved


class ProfileService:
    def __init__(self, session: AsyncSession, member: Member) -> None:
        self.session = session
        self.member = member
        self.mentees = MenteeProfiles(session, member.org_id)
        self.mentors = MentorProfiles(session, member.org_id)

    async def mentee(self) -> MenteeProfileRow | None:
        return await self.mentees.find_one(MenteeProfileRow.member_id == self.member.id)

    async def mentor(self) -> MentorProfileRow | None:
        return await self.mentors.find_one(MentorProfileRow.member_id == self.member.id)

    async def _labels(self) -> Mapping[str, str]:
        org = await self.session.get(Org, self.member.org_id)
        return settings_of(org).topic_labels if org is not None else {}

    async def save_mentee(self, **values: Any) -> MenteeProfileRow:
        values["topics"] = apply_local_labels(await self._labels(), values["topics"])
        check_topics(values["topics"], 1, 5, "importance")
        check_band_range(values.get("wanted_band_low"), values.get("wanted_band_high"))
        row = await self.mentee() or self.mentees.add(MenteeProfileRow(member_id=self.member.id))
        for name, value in values.items():
            setattr(row, name, value)
        row.taxonomy_version = TAXONOMY_VERSION
        await self.session.flush()
        return row

    async def save_mentor(self, **values: Any) -> MentorProfileRow:
        values["topics"] = apply_local_labels(await self._labels(), values["topics"])
        check_topics(values["topics"], 1, 3, "level")
        if not 0 <= values.get("capacity", 1) <= 10:
            raise InvalidInput.on("capacity", "must be 0–10 mentees at once")
        if not BANDS[0] <= values.get("seniority_band", 5) <= BANDS[1]:
            raise InvalidInput.on("seniority_band", f"must be {BANDS[0]}–{BANDS[1]}")
        row = await self.mentor() or self.mentors.add(MentorProfileRow(member_id=self.member.id))
        for name, value in values.items():
            setattr(row, name, value)
        row.taxonomy_version = TAXONOMY_VERSION
        await self.session.flush()
        return row


def to_mentee(row: MenteeProfileRow, member: Member, own_band: int | None) -> MenteeProfile:
    """The engine's view of a mentee: no names, no free text."""
    return MenteeProfile(
        id=str(member.id),
        org_id=str(member.org_id),
        topics={k: int(v) for k, v in row.topics.items()},
        meeting_mode=row.meeting_mode,
        region=row.region or None,
        languages=frozenset(row.languages),
        open_to_other_orgs=row.open_to_other_orgs,
        seniority_band=own_band,
        wanted_bands=row.wanted_bands,
        department=member.department or None,
    )


def to_mentor(
    row: MentorProfileRow, member: Member, free_capacity: int, today: date
) -> MentorProfile:
    return MentorProfile(
        id=str(member.id),
        org_id=str(member.org_id),
        topics={k: int(v) for k, v in row.topics.items()},
        seniority_band=row.seniority_band,
        capacity=row.capacity,
        free_capacity=max(0, min(free_capacity, row.capacity)),
        paused=row.paused_on(today),
        meeting_modes=frozenset(MeetingMode(m) for m in row.meeting_modes),
        region=row.region or None,
        languages=frozenset(row.languages),
        sector=row.sector or None,
        department=member.department or None,
    )
