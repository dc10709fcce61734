"""``/api/v1/me/…-profile`` and ``/api/v1/topics``: what a member wants or offers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, put
from litestar.params import JSONBody

from matching.model import MeetingMode
from matching.taxonomy import TAXONOMY_VERSION, TOPICS, TopicKind
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.openapi import PublicOperation
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden, NotFound
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.profiles import MenteeProfileRow, MentorProfileRow, ProfileService

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(max_length=100)]
Language = Annotated[str, msgspec.Meta(min_length=2, max_length=35)]
Languages = Annotated[list[Language], msgspec.Meta(max_length=10)]


def member_of(actor: Actor) -> Member:
    if actor.member is None:
        raise Forbidden("This needs a member: sign in with your organisation.")
    return actor.member


class MenteeProfileIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    topics: dict[str, int]
    meeting_mode: MeetingMode = MeetingMode.EITHER
    region: Short = ""
    languages: Languages = msgspec.field(default_factory=list)
    open_to_other_orgs: bool = True
    wanted_bands: tuple[int, int] | None = None
    goals: Text = ""
    career_to_date: Text = ""


class MenteeProfileOut(MenteeProfileIn, frozen=True):
    taxonomy_version: str = TAXONOMY_VERSION

    @classmethod
    def of(cls, row: MenteeProfileRow) -> MenteeProfileOut:
        bands = (
            (row.wanted_band_low, row.wanted_band_high)
            if row.wanted_band_low is not None and row.wanted_band_high is not None
            else None
        )
        return cls(
            topics=row.topics,
            meeting_mode=row.meeting_mode,
            region=row.region,
            languages=row.languages,
            open_to_other_orgs=row.open_to_other_orgs,
            wanted_bands=bands,
            goals=row.goals,
            career_to_date=row.career_to_date,
            taxonomy_version=row.taxonomy_version,
        )


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
    pen_picture: Text = ""


class MentorProfileOut(MentorProfileIn, frozen=True):
    taxonomy_version: str = TAXONOMY_VERSION

    @classmethod
    def of(cls, row: MentorProfileRow) -> MentorProfileOut:
        return cls(
            topics=row.topics,
            capacity=row.capacity,
            paused_until=row.paused_until,
            meeting_modes=row.meeting_modes,  # type: ignore[arg-type]
            region=row.region,
            languages=row.languages,
            sector=row.sector,
            seniority_band=row.seniority_band,
            open_to_other_orgs=row.open_to_other_orgs,
            pen_picture=row.pen_picture,
            taxonomy_version=row.taxonomy_version,
        )


class TopicOut(msgspec.Struct, frozen=True):
    id: str
    label: str
    kind: TopicKind


class TaxonomyOut(msgspec.Struct, frozen=True):
    version: str
    topics: list[TopicOut]


@get(
    "/api/v1/topics",
    tags=["matching"],
    summary="The shared topic taxonomy",
    operation_class=PublicOperation,
)
async def list_topics() -> TaxonomyOut:
    return TaxonomyOut(TAXONOMY_VERSION, [TopicOut(t.id, t.label, t.kind) for t in TOPICS.values()])


class ProfilesController(Controller):
    path = "/api/v1/me"
    tags = ("profiles",)

    @get("/mentee-profile", summary="My mentee profile", responses=API_PROBLEMS)
    async def get_mentee(self, actor: Actor_, db: Db) -> MenteeProfileOut:
        row = await ProfileService(db, member_of(actor)).mentee()
        if row is None:
            raise NotFound("You have no mentee profile yet.")
        return MenteeProfileOut.of(row)

    @put("/mentee-profile", summary="Create or replace my mentee profile", responses=API_PROBLEMS)
    async def put_mentee(
        self, actor: Actor_, db: Db, data: JSONBody[MenteeProfileIn]
    ) -> MenteeProfileOut:
        low, high = data.wanted_bands if data.wanted_bands else (None, None)
        row = await ProfileService(db, member_of(actor)).save_mentee(
            topics=data.topics,
            meeting_mode=data.meeting_mode,
            region=data.region,
            languages=data.languages,
            open_to_other_orgs=data.open_to_other_orgs,
            wanted_band_low=low,
            wanted_band_high=high,
            goals=data.goals,
            career_to_date=data.career_to_date,
        )
        return MenteeProfileOut.of(row)

    @get("/mentor-profile", summary="My mentor profile", responses=API_PROBLEMS)
    async def get_mentor(self, actor: Actor_, db: Db) -> MentorProfileOut:
        row = await ProfileService(db, member_of(actor)).mentor()
        if row is None:
            raise NotFound("You have no mentor profile yet.")
        return MentorProfileOut.of(row)

    @put("/mentor-profile", summary="Create or replace my mentor profile", responses=API_PROBLEMS)
    async def put_mentor(
        self, actor: Actor_, db: Db, data: JSONBody[MentorProfileIn]
    ) -> MentorProfileOut:
        row = await ProfileService(db, member_of(actor)).save_mentor(**msgspec.structs.asdict(data))
        return MentorProfileOut.of(row)
