"""``/api/v1/orgs/{slug}/me``: the acting member's own record and special-category data.

Special-category data is readable here by that member alone; no other route returns it.
"""

from __future__ import annotations

from litestar import Controller, delete, get, put
from litestar.params import JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.http.people_out import ConsentOut, DeclarationOut, MeOut, StaffOut
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden, NotFound
from orgs.people.chains import ManagementChains
from orgs.people.members import Member
from orgs.people.special_category import (
    CONSENT_STATEMENT,
    CONSENT_VERSION,
    DeclarationIn,
    SpecialCategory,
)
from orgs.structs import out


def _member(slug: str, actor: Actor_) -> Member:
    who = actor
    if who.member is None:
        raise Forbidden("Only a member can do this for themselves (act as or sign in as one).")
    return who.member


class MeController(Controller):
    path = "/api/v1/orgs/{slug:str}/me"
    tags = ("me",)

    @get("/", summary="My own record, roles and whether I manage anyone", responses=API_PROBLEMS)
    async def me(self, slug: Slug, actor: Actor_, db: Db) -> MeOut:
        member = _member(slug, actor)
        manages = await ManagementChains(db, member.org_id).manages_anyone(member.id)
        return MeOut(out(StaffOut, member), sorted(actor.roles), manages)

    async def _out(self, db: Db, member: Member) -> DeclarationOut:
        store = SpecialCategory(db, member.org_id)
        own = await store.own(member)
        consents = [out(ConsentOut, c) for c in await store.consent_history(member)]
        return DeclarationOut(
            declared=own is not None,
            ethnicity=own.ethnicity if own else None,
            disability=own.disability if own else None,
            declared_at=own.declared_at if own else None,
            consent_statement=CONSENT_STATEMENT,
            consent_version=CONSENT_VERSION,
            consents=consents,
        )

    @get(
        "/special-category",
        summary="What I declared (ethnicity, disability): for my eyes only",
        responses=API_PROBLEMS,
    )
    async def get_declaration(self, slug: Slug, actor: Actor_, db: Db) -> DeclarationOut:
        return await self._out(db, _member(slug, actor))

    @put(
        "/special-category",
        summary="Declare my ethnicity and/or disability, with explicit consent",
        responses=API_PROBLEMS,
    )
    async def declare(
        self, slug: Slug, data: JSONBody[DeclarationIn], actor: Actor_, db: Db
    ) -> DeclarationOut:
        member = _member(slug, actor)
        await SpecialCategory(db, member.org_id).declare(
            member, ethnicity=data.ethnicity, disability=data.disability, consent=data.consent
        )
        return await self._out(db, member)

    @delete(
        "/special-category",
        summary="Withdraw consent: my declaration is deleted",
        responses=API_PROBLEMS,
        status_code=204,
    )
    async def withdraw(self, slug: Slug, actor: Actor_, db: Db) -> None:
        member = _member(slug, actor)
        if not await SpecialCategory(db, member.org_id).withdraw(member):
            raise NotFound("You have not declared anything.")
