"""Management chains: "is A anywhere above B?" and the batch form for matching."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.people.chains import ManagementChains
from tests.integration.orgs.builders import team


async def test_is_above_follows_the_whole_chain_and_only_upwards(db: AsyncSession) -> None:
    org, p = await team(db)
    chains = ManagementChains(db, org.id)
    assert await chains.is_above(p["MGR"].id, p["MENTEE"].id)
    assert await chains.is_above(p["CEO"].id, p["MENTEE"].id)
    assert not await chains.is_above(p["MENTEE"].id, p["MGR"].id)
    assert not await chains.is_above(p["OTHERMGR"].id, p["MENTEE"].id)
    assert not await chains.is_above(p["PEER"].id, p["MENTEE"].id)
    assert not await chains.is_above(p["MENTEE"].id, p["MENTEE"].id)


async def test_the_batch_form_gives_everyone_above_and_below(db: AsyncSession) -> None:
    org, p = await team(db)
    chain = await ManagementChains(db, org.id).chain(p["DIR"].id)
    assert chain.above == {p["CEO"].id}
    assert chain.below == {
        p[k].id for k in ("MGR", "MENTEE", "PEER", "OTHERMGR", "OTHER", "TEACHER")
    }
    assert p["HRD"].id not in chain.related


async def test_chains_never_cross_orgs(db: AsyncSession) -> None:
    brent, b = await team(db, "brent")
    harrow, h = await team(db, "harrow")
    assert not await ManagementChains(db, harrow.id).is_above(b["CEO"].id, b["MENTEE"].id)
    assert await ManagementChains(db, harrow.id).chain(b["DIR"].id) == (
        await ManagementChains(db, harrow.id).chain(b["DIR"].id)
    )
    assert (await ManagementChains(db, harrow.id).chain(b["DIR"].id)).related == frozenset()
    assert await ManagementChains(db, brent.id).manages_anyone(b["MGR"].id)
    assert not await ManagementChains(db, brent.id).manages_anyone(b["MENTEE"].id)
    assert h["MGR"].id != b["MGR"].id
