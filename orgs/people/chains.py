"""Management chains from the HR data: who is above whom.

Answered with recursive CTEs over ``members.manager_id`` (PostgreSQL and SQLite both run
``WITH RECURSIVE``). ``UNION`` (not ``UNION ALL``) makes a walk stop even if bad data ever
forms a loop. The index ``(org_id, manager_id)`` serves the downward walk.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import CTE, Select, exists, select
from sqlalchemy.orm import aliased

from orgs.people.members import Member, MemberRepository


@dataclass(frozen=True)
class Chain:
    """Everyone above and below one member: nobody in it may mentor them, or be mentored."""

    member_id: uuid.UUID
    above: frozenset[uuid.UUID]
    below: frozenset[uuid.UUID]

    @property
    def related(self) -> frozenset[uuid.UUID]:
        return self.above | self.below


class ManagementChains(MemberRepository):
    async def above(self, member_id: uuid.UUID) -> frozenset[uuid.UUID]:
        """Every manager above ``member_id``: line manager, their manager, and so on."""
        start = (
            select(Member.manager_id.label("id"))
            .where(
                Member.org_id == self.org_id,
                Member.id == member_id,
                Member.manager_id.is_not(None),
            )
            .cte("up", recursive=True)
        )
        step = aliased(Member)
        up = start.union(
            select(step.manager_id).where(
                step.org_id == self.org_id,
                step.id == start.c.id,
                step.manager_id.is_not(None),
            )
        )
        rows = await self.session.scalars(select(up.c.id))
        return frozenset(r for r in rows if r is not None and r != member_id)

    async def below(self, member_id: uuid.UUID) -> frozenset[uuid.UUID]:
        """Everyone who reports to ``member_id``, directly or through others."""
        start = (
            select(Member.id.label("id"))
            .where(Member.org_id == self.org_id, Member.manager_id == member_id)
            .cte("down", recursive=True)
        )
        step = aliased(Member)
        down = start.union(
            select(step.id).where(step.org_id == self.org_id, step.manager_id == start.c.id)
        )
        rows = await self.session.scalars(select(down.c.id))
        return frozenset(r for r in rows if r != member_id)

    async def related(
        self,
        member_ids: Collection[uuid.UUID],
        among: Select[uuid.UUID] | None = None,
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        """Everyone above and below each of ``member_ids`` (only those in ``among`` when
        given): two queries however many members, each walk tagged with where it started."""
        found: dict[uuid.UUID, set[uuid.UUID]] = {member_id: set() for member_id in member_ids}
        if not found:
            return found
        for walk in (self._up_from(found), self._down_from(found)):
            query = select(walk.c.origin, walk.c.id)
            if among is not None:
                query = query.where(walk.c.id.in_(among))
            for origin, other in await self.session.execute(query):
                if other is not None and other != origin:
                    found[origin].add(other)
        return found

    def _up_from(self, member_ids: Collection[uuid.UUID]) -> CTE:
        start = (
            select(Member.id.label("origin"), Member.manager_id.label("id"))
            .where(
                Member.org_id == self.org_id,
                Member.id.in_(list(member_ids)),
                Member.manager_id.is_not(None),
            )
            .cte("up_many", recursive=True)
        )
        step = aliased(Member)
        return start.union(
            select(start.c.origin, step.manager_id).where(
                step.org_id == self.org_id,
                step.id == start.c.id,
                step.manager_id.is_not(None),
            )
        )

    def _down_from(self, member_ids: Collection[uuid.UUID]) -> CTE:
        start = (
            select(Member.manager_id.label("origin"), Member.id.label("id"))
            .where(Member.org_id == self.org_id, Member.manager_id.in_(list(member_ids)))
            .cte("down_many", recursive=True)
        )
        step = aliased(Member)
        return start.union(
            select(start.c.origin, step.id).where(
                step.org_id == self.org_id, step.manager_id == start.c.id
            )
        )

    async def chain(self, member_id: uuid.UUID) -> Chain:
        """The batch form for matching: everyone above and below one mentee."""
        return Chain(member_id, await self.above(member_id), await self.below(member_id))

    async def is_above(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        """Is ``a`` anywhere above ``b`` in the management chain?"""
        return a in await self.above(b)

    async def line_manager(self, member: Member) -> Member | None:
        if member.manager_id is None:
            return None
        return await self.find_one(Member.id == member.manager_id)

    async def manages_anyone(self, member_id: uuid.UUID) -> bool:
        """Line manager is a derived role: true when anyone reports to this member."""
        report = select(Member.id).where(
            Member.org_id == self.org_id, Member.manager_id == member_id
        )
        return bool(await self.session.scalar(select(exists(report))))
