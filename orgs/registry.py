"""Creating, listing and finding the organisations hosted on this node."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.errors import AlreadyExists, InvalidInput, NotFound
from orgs.models import Org

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
SLUG_RULE = "2–40 characters: lower-case letters, digits and hyphens, starting with a letter"


def check_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug) or "--" in slug:
        raise InvalidInput.on("slug", f"{slug!r} is not a valid slug ({SLUG_RULE})")
    return slug


def check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput.on("name", "must be 1–200 characters")
    return name


class OrgRegistry:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, slug: str, name: str) -> Org:
        check_slug(slug)
        name = check_name(name)
        if await self.find(slug) is not None:
            raise AlreadyExists(
                f"An organisation with slug {slug!r} already exists.",
            )
        org = Org(slug=slug, name=name, settings={})
        self.session.add(org)
        await self.session.flush()
        return org

    async def list(self) -> Sequence[Org]:
        return (await self.session.scalars(select(Org).order_by(Org.slug))).all()

    async def find(self, slug: str) -> Org | None:
        return (await self.session.scalars(select(Org).where(Org.slug == slug))).first()

    async def get(self, slug: str) -> Org:
        org = await self.find(slug)
        if org is None:
            raise NotFound(f"No organisation {slug!r} on this node.")
        return org
