"""``/api/v1/orgs``: what an org token may read and manage about its own organisation."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from network.http.dependencies import Db, Principal_
from network.http.orgs_out import CreatedToken, OrgOut, TokenOut
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden, NotFound
from orgs.models import Org, TokenRole
from orgs.structs import out
from orgs.tokens import AuthenticatedToken, TokenIn, TokenService


async def own_org(slug: str, principal: AuthenticatedToken, db: AsyncSession) -> Org:
    """The org named in the path, if it is the caller's; otherwise exactly like a missing one."""
    if slug != principal.org_slug:
        raise NotFound(f"No organisation {slug!r} on this node.")
    # Usually no SQL: authenticating the token loaded the org into this session.
    org = await db.get(Org, principal.org_id)
    if org is None:
        raise NotFound(f"No organisation {slug!r} on this node.")
    return org


def require_admin(principal: AuthenticatedToken) -> None:
    if principal.role is not TokenRole.ADMIN:
        raise Forbidden("Only an org admin token may manage tokens.")


class OrgsController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("orgs",)

    @get("/", summary="One organisation (only the token's own)", responses=API_PROBLEMS)
    async def get_org(self, slug: Slug, principal: Principal_, db: Db) -> OrgOut:
        return out(OrgOut, await own_org(slug, principal, db))

    @get(
        "/tokens",
        summary="The organisation's API tokens (never the tokens themselves)",
        responses=API_PROBLEMS,
    )
    async def list_tokens(self, slug: Slug, principal: Principal_, db: Db) -> list[TokenOut]:
        require_admin(principal)
        org = await own_org(slug, principal, db)
        return [out(TokenOut, row) for row in await TokenService(db).list(org)]

    @post("/tokens", summary="Create a token; it is shown once", responses=API_PROBLEMS)
    async def create_token(
        self, slug: Slug, data: JSONBody[TokenIn], principal: Principal_, db: Db
    ) -> CreatedToken:
        require_admin(principal)
        org = await own_org(slug, principal, db)
        token, row = await TokenService(db).create(org, data.role, data.label)
        return CreatedToken(token=token, details=out(TokenOut, row))

    @delete(
        "/tokens/{token_id:uuid}", summary="Revoke a token", responses=API_PROBLEMS, status_code=204
    )
    async def revoke_token(
        self, slug: Slug, token_id: FromPath[uuid.UUID], principal: Principal_, db: Db
    ) -> None:
        require_admin(principal)
        org = await own_org(slug, principal, db)
        await TokenService(db).revoke(org, token_id)
