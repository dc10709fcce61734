"""The coordinator's report schedules page (issue 19): a schedule made with named recipients,
changed and deleted through the page, each audited by the service; a member who is not a
coordinator is refused and a wrong address is refused on its field, and nothing changes
(re-read from the database)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.records.report_schedules import Frequency, ReportSchedule
from tests.integration.relationships.builders import Client, World, world


async def _schedules(db: AsyncSession) -> list[tuple[list[str], Frequency]]:
    rows = await db.scalars(select(ReportSchedule).execution_options(populate_existing=True))
    return [(r.recipients, r.frequency) for r in rows]


async def _post(client: Client, w: World, who: str, url: str, **fields: str) -> int:
    data = {"csrf_token": w.sessions[who].csrf, **fields}
    response = await client.post(url, data=data, headers=w.as_(who), follow_redirects=False)
    return response.status_code


async def test_a_coordinator_schedules_changes_and_deletes_a_report_on_the_page(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    page = f"/orgs/brent/coordinate/schemes/{w.scheme_id}/report-schedules/"
    assert (await client.get(page, headers=w.as_("mentee"))).status_code == 403
    new = {
        "recipients": "Leadership@brent.example\nhr-director@brent.example",
        "frequency": "monthly",
    }
    assert await _post(client, w, "mentee", page, **new) == 403
    assert await _schedules(db) == []
    bad = await client.post(
        page,
        data={
            "csrf_token": w.sessions["coordinator"].csrf,
            "recipients": "the board",
            "frequency": "monthly",
        },
        headers=w.as_("coordinator"),
    )
    assert bad.status_code == 400
    assert "the is not an email address" in bad.text
    assert await _schedules(db) == []

    assert await _post(client, w, "coordinator", page, **new) == 303
    recipients = ["leadership@brent.example", "hr-director@brent.example"]
    assert await _schedules(db) == [(recipients, Frequency.MONTHLY)]
    shown = await client.get(page, headers=w.as_("coordinator"))
    assert "Monthly to leadership@brent.example, hr-director@brent.example" in shown.text

    [row] = (await db.scalars(select(ReportSchedule))).all()
    one = f"{page}{row.id}"
    change = {f"recipients-{row.id}": "ceo@brent.example", f"frequency-{row.id}": "quarterly"}
    assert await _post(client, w, "mentee", one, **change) == 403
    assert await _schedules(db) == [(recipients, Frequency.MONTHLY)]
    assert await _post(client, w, "coordinator", one, **change) == 303
    assert await _schedules(db) == [(["ceo@brent.example"], Frequency.QUARTERLY)]

    assert await _post(client, w, "mentee", f"{one}/delete") == 403
    assert await _schedules(db) == [(["ceo@brent.example"], Frequency.QUARTERLY)]
    assert await _post(client, w, "coordinator", f"{one}/delete") == 303
    assert await _schedules(db) == []
