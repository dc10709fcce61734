"""``/api/v1/orgs``: what an org token may read about its own organisation."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.errors import NotFound
from orgs.registry import OrgRegistry
from orgs.tokens import Principal


class OrgOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    name: str
    created_at: datetime


class OrgsController(Controller):
    path = "/api/v1/orgs"
    tags = ("orgs",)

    @get("/{slug:str}", summary="One organisation (only the token's own)")
    async def get_org(self, slug: str, principal: Principal, db: AsyncSession) -> OrgOut:
        # Another org's slug is answered exactly like a missing one: existence is not confirmed.
        if slug != principal.org_slug:
            raise NotFound(f"No organisation {slug!r} on this node.")
        org = await OrgRegistry(db).get(slug)
        return OrgOut(id=org.id, slug=org.slug, name=org.name, created_at=org.created_at)
