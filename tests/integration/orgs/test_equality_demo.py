"""The demo (issue 19, done when): Nottingham City Homes' pilot shows its pipeline by ethnic
group and by disability, small numbers hidden, to its coordinator; a monthly report is
scheduled and check-ins are set; loading the demo again changes nothing."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.demo.seed import seed_demo
from orgs.people.equality import EqualityAnswer
from orgs.people.members import Member, MemberRepository
from orgs.records.report_schedules import ReportSchedule
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import SchemeService
from tests.sessions import sign_in


async def test_the_nch_demo_pilot_shows_its_pipeline_with_suppression(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await seed_demo(db, ["nch"])
    await db.commit()
    org = await OrgRegistry(db).find("nch")
    assert org is not None
    scheme = await SchemeService(db, org.id).by_slug("pa-pilot")
    members = await MemberRepository(db, org.id).list()
    [coordinator] = [m for m in members if (m.attributes or {}).get("demo_role") == "coordinator"]
    [session] = await sign_in("nch", [coordinator])
    url = f"/api/v1/orgs/nch/schemes/{scheme.id}/equality/pipeline"
    for characteristic in ("ethnic_group", "disability"):
        response = await client.get(
            url, params={"characteristic": characteristic}, headers=session.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        counts = [v for r in body["rows"] for v in r["counts"].values()]
        total = next(r for r in body["rows"] if r["category"] == "total")["counts"]
        assert (total["registered_interest"], total["applied"]) == (20, 14)
        assert None in counts  # small groups hidden
        assert body["hidden"] > 0
        assert "workforce" in body["columns"]
    schedules = (await db.scalars(select(ReportSchedule))).all()
    assert [s.recipients for s in schedules] == [["leadership-team@nch.example"]]

    answers = await db.scalar(select(func.count()).select_from(EqualityAnswer))
    await seed_demo(db, ["nch"])
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(EqualityAnswer)) == answers
    assert len((await db.scalars(select(ReportSchedule))).all()) == 1
    assert all(isinstance(m, Member) for m in members)
