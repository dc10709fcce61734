"""``/api/v1/orgs/{slug}/staff``, ``/settings`` and ``/roles``: HR data, chains and roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, RawBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Offset, Slug
from network.http.problems import API_PROBLEMS
from orgs.errors import NotFound
from orgs.org_settings import OrgSettings, read_settings, update_settings
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.permissions import Action, authorize, may
from orgs.people.role_grants import RoleGrants
from orgs.people.roles import Role
from orgs.records.staff_import import ImportReport, StaffImporter


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

    @classmethod
    def of(cls, m: Member) -> StaffOut:
        return cls(
            id=m.id,
            employee_id=m.employee_id,
            email=m.email,
            given_name=m.given_name,
            family_name=m.family_name,
            department=m.department,
            job_title=m.job_title,
            grade=m.grade,
            location=m.location,
            employment_type=m.employment_type,
            school_based=m.school_based,
            start_date=m.start_date,
            manager_id=m.manager_id,
            status=m.status,
            left_at=m.left_at,
            attributes=dict(m.attributes or {}),
        )


class ChainOut(msgspec.Struct, frozen=True):
    member_id: uuid.UUID
    above: list[uuid.UUID]
    below: list[uuid.UUID]


class RoleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member_id: uuid.UUID
    role: Role


class RoleOut(msgspec.Struct, frozen=True):
    member_id: uuid.UUID
    employee_id: str | None
    name: str
    role: Role
    granted_at: datetime


@dataclass
class CsvUpload(Operation):
    """Documents the raw ``text/csv`` body of the staff import."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
            description="The HR export, first line the headers",
            required=True,
        )


class StaffController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("staff",)

    @post(
        "/staff/import",
        summary="Import staff from an HR export (CSV); all or nothing",
        description=(
            "Send the CSV as the body (Content-Type: text/csv). Any bad row: nothing is "
            "written and the 422 problem lists every error as rows[R].column. People missing "
            "from the file are marked as leavers, never deleted."
        ),
        responses=API_PROBLEMS,
        status_code=200,
        operation_class=CsvUpload,
    )
    async def import_staff(
        self,
        slug: Slug,
        actor: Actor_,
        db: Db,
        body: RawBody,
        *,
        dry_run: FromQuery[bool] = False,
    ) -> ImportReport:
        who = actor
        authorize(who, Action.IMPORT_STAFF)
        settings = await read_settings(db, who.org_id)
        return await StaffImporter(db, who.org_id).run(
            body, settings.staff_columns, dry_run=dry_run
        )

    @get("/staff", summary="Staff of the organisation (HR data only)", responses=API_PROBLEMS)
    async def list_staff(
        self,
        slug: Slug,
        actor: Actor_,
        db: Db,
        *,
        include_leavers: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
        offset: Offset = 0,
    ) -> list[StaffOut]:
        who = actor
        authorize(who, Action.READ_STAFF)
        repo = MemberRepository(db, who.org_id)
        where = [] if include_leavers else [Member.status == MemberStatus.ACTIVE]
        query = repo.select(*where).order_by(Member.employee_id, Member.id)
        rows = (await db.scalars(query.limit(limit).offset(offset))).all()
        return [StaffOut.of(m) for m in rows]

    @get("/staff/{member_id:uuid}", summary="One member's HR data", responses=API_PROBLEMS)
    async def get_staff(
        self, slug: Slug, member_id: FromPath[uuid.UUID], actor: Actor_, db: Db
    ) -> StaffOut:
        who = actor
        mine = who.member is not None and who.member.id == member_id
        if not mine and not may(who, Action.READ_STAFF):
            raise NotFound("No such member.")
        return StaffOut.of(await MemberRepository(db, who.org_id).get(member_id))

    @get(
        "/staff/{member_id:uuid}/chain",
        summary="Everyone above and below a member in the management chain",
        responses=API_PROBLEMS,
    )
    async def chain(
        self, slug: Slug, member_id: FromPath[uuid.UUID], actor: Actor_, db: Db
    ) -> ChainOut:
        who = actor
        chains = ManagementChains(db, who.org_id)
        member = await chains.get(member_id)
        authorize(who, Action.READ_STAFF)
        found = await chains.chain(member.id)
        return ChainOut(member.id, sorted(found.above), sorted(found.below))

    @get("/settings", summary="Staff-data and approval settings", responses=API_PROBLEMS)
    async def get_settings(self, slug: Slug, actor: Actor_, db: Db) -> OrgSettings:
        who = actor
        authorize(who, Action.READ_ORG_SETTINGS)
        return await read_settings(db, who.org_id)

    @put(
        "/settings",
        summary="Set the column mapping, grade order and reminder days",
        responses=API_PROBLEMS,
    )
    async def put_settings(
        self, slug: Slug, data: JSONBody[OrgSettings], actor: Actor_, db: Db
    ) -> OrgSettings:
        who = actor
        authorize(who, Action.CHANGE_ORG_SETTINGS)
        return await update_settings(db, who.org_id, data)

    @get("/roles", summary="Who holds which org role", responses=API_PROBLEMS)
    async def list_roles(self, slug: Slug, actor: Actor_, db: Db) -> list[RoleOut]:
        who = actor
        authorize(who, Action.READ_ROLES)
        return [
            RoleOut(m.id, m.employee_id, m.display_name, r.role, r.granted_at)
            for r, m in await RoleGrants(db, who.org_id).holders()
        ]

    @post("/roles", summary="Grant an org role to a member", responses=API_PROBLEMS)
    async def grant_role(
        self, slug: Slug, data: JSONBody[RoleIn], actor: Actor_, db: Db
    ) -> RoleOut:
        who = actor
        grants = RoleGrants(db, who.org_id)
        member = await grants.members.get(data.member_id)
        authorize(who, Action.GRANT_ROLES)
        row = await grants.grant(member.id, data.role, who.ref)
        return RoleOut(member.id, member.employee_id, member.display_name, row.role, row.granted_at)

    @delete(
        "/roles/{member_id:uuid}/{role:str}",
        summary="Revoke an org role",
        responses=API_PROBLEMS,
        status_code=204,
    )
    async def revoke_role(
        self,
        slug: Slug,
        member_id: FromPath[uuid.UUID],
        role: FromPath[Role],
        actor: Actor_,
        db: Db,
    ) -> None:
        who = actor
        grants = RoleGrants(db, who.org_id)
        await grants.members.get(member_id)
        authorize(who, Action.GRANT_ROLES)
        if not await grants.revoke(member_id, role, who.ref):
            raise NotFound("That member does not hold that role.")
