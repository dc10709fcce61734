"""``/api/v1/orgs``: what an org token may read and manage about its own organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from network.http.dependencies import Db, Principal_
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden, NotFound
from orgs.models import Org, OrgApiToken, TokenRole
from orgs.registry import OrgRegistry
from orgs.tokens import AuthenticatedToken, TokenService


class OrgOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    name: str
    created_at: datetime


class TokenIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: TokenRole
    label: Annotated[str, msgspec.Meta(max_length=200)] = ""


class TokenOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    role: TokenRole
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: OrgApiToken) -> TokenOut:
        return cls(
            id=row.id,
            role=row.role,
            label=row.label,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class CreatedToken(msgspec.Struct, frozen=True):
    token: str
    details: TokenOut


async def own_org(slug: str, principal: AuthenticatedToken, db: AsyncSession) -> Org:
    """The org named in the path, if it is the caller's; otherwise exactly like a missing one."""
    if slug != principal.org_slug:
        raise NotFound(f"No organisation {slug!r} on this node.")
    return await OrgRegistry(db).get(slug)


def require_admin(principal: AuthenticatedToken) -> None:
    if principal.role is not TokenRole.ADMIN:
        raise Forbidden("Only an org admin token may manage tokens.")


class OrgsController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("orgs",)

    @get("/", summary="One organisation (only the token's own)", responses=API_PROBLEMS)
    async def get_org(self, slug: Slug, principal: Principal_, db: Db) -> OrgOut:
        org = await own_org(slug, principal, db)
        return OrgOut(id=org.id, slug=org.slug, name=org.name, created_at=org.created_at)

    @get(
        "/tokens",
        summary="The organisation's API tokens (never the tokens themselves)",
        responses=API_PROBLEMS,
    )
    async def list_tokens(self, slug: Slug, principal: Principal_, db: Db) -> list[TokenOut]:
        require_admin(principal)
        org = await own_org(slug, principal, db)
        return [TokenOut.of(row) for row in await TokenService(db).list(org)]

    @post("/tokens", summary="Create a token; it is shown once", responses=API_PROBLEMS)
    async def create_token(
        self, slug: Slug, data: JSONBody[TokenIn], principal: Principal_, db: Db
    ) -> CreatedToken:
        require_admin(principal)
        org = await own_org(slug, principal, db)
        token, row = await TokenService(db).create(org, data.role, data.label)
        return CreatedToken(token=token, details=TokenOut.of(row))

    @delete(
        "/tokens/{token_id:uuid}", summary="Revoke a token", responses=API_PROBLEMS, status_code=204
    )
    async def revoke_token(
        self, slug: Slug, token_id: FromPath[uuid.UUID], principal: Principal_, db: Db
    ) -> None:
        require_admin(principal)
        org = await own_org(slug, principal, db)
        await TokenService(db).revoke(org, token_id)
