"""Demo data for ``make run``: the organisations of the source documents, ready to explore."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from network.demo.equality import seed_demo_equality
from network.demo.federation import seed_demo_federation
from network.demo.mentoring import seed_demo_mentoring
from network.demo.staff import seed_demo_staff
from orgs.db import utcnow
from orgs.registry import OrgRegistry


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str


DEMO_ORGS = (
    DemoOrg("brent", "London Borough of Brent"),
    DemoOrg("harrow", "London Borough of Harrow"),
    DemoOrg("nch", "Nottingham City Homes"),
)


async def seed_demo(session: AsyncSession, slugs: Sequence[str] | None = None) -> list[str]:
    """Create whatever demo data is missing for the orgs ``slugs`` (default: all demo orgs);
    running it twice changes nothing."""
    registry = OrgRegistry(session)
    chosen = [d for d in DEMO_ORGS if slugs is None or d.slug in slugs]
    created = []
    for demo in chosen:
        if await registry.find(demo.slug) is None:
            await registry.create(demo.slug, demo.name)
            created.append(demo.slug)
    await seed_demo_staff(session, utcnow().date())
    await seed_demo_mentoring(session, [demo.slug for demo in chosen])
    await seed_demo_federation(session, [demo.slug for demo in chosen])
    await seed_demo_equality(session, [demo.slug for demo in chosen], utcnow())
    return created
