"""The network coordinator's dashboard in a real browser, axe on it: the charts (each with
its table), every member's figures with small numbers hidden, and the CSV download the page
links to, which says the same as the page's table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect

from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.remote_events import discard
from orgs.networks.record import Contact, Found, Terms, apply_change
from orgs.networks.replica import Replica
from orgs.people.members import Member
from orgs.people.roles import Role
from orgs.records.network_reports import send_due
from tests.e2e.web.conftest import LOCAL_MENTORS, MANAGER, MENTEE, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import signed_in

NETWORK = "MyMentor London and East Midlands"


async def brent_network(brent: Brent) -> str:
    """A network Brent founded, with Brent's figures counted: six pairs inside Brent."""
    me = brent.node.settings.base_url
    async with brent.node.runtime.sessionmaker() as session, session.begin():
        mentor = await session.get_one(Member, brent.people[LOCAL_MENTORS[0]["sub"]])
        mentee = await session.get_one(Member, brent.people[MENTEE["sub"]])
        session.add_all(
            Relationship(
                org_id=mentor.org_id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                state=RelationshipState.ACTIVE,
                planned_end_on=date(2027, 6, 1),
            )
            for _ in range(6)
        )
        found = Found(
            network_id="browser-network-0001",
            terms=Terms(
                name=NETWORK, purpose="", agreement="We share.", review_on=date(2027, 9, 1)
            ),
            display_name="London Borough of Brent",
            contact=Contact(name="Anna Contact", work_email="anna@brent.example"),
        )
        record = apply_change(None, found, f"brent@{me}")
        await Replica(session).add(record, found, f"brent@{me}")
        assert await send_due(session, me, datetime.now(UTC), discard) == 1
    return "browser-network-0001"


async def test_the_coordinator_reads_the_network_report_and_downloads_the_same_figures(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    nid = await brent_network(brent_only)
    await grant(brent_only, MANAGER["sub"], Role.NETWORK_COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await page.goto(f"{brent_only.url}/orgs/brent/networks/{nid}/report")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{NETWORK}: report")
    await expect(page.locator("#exchange title")).to_have_text(
        "The fair exchange: matches given and received"
    )
    table = page.locator("#network-figures")
    await expect(table.get_by_role("row", name="Matches inside the organisation")).to_contain_text(
        "6"
    )
    # One mentee and two mentors approved: fewer than five, hidden.
    await expect(table.get_by_role("row", name="Mentees taking part")).to_contain_text("[hidden]")
    await lena.check("network-report")

    rows = [
        [c.strip() for c in await r.locator("th, td").all_inner_texts()]
        for r in await table.locator("tr").all()
    ]
    link = page.get_by_role("link", name="Download the figures (CSV)")
    response = await page.request.get(f"{brent_only.url}{await link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    downloaded = list(csv.reader(io.StringIO(await response.text())))
    assert [row[1] for row in rows] == downloaded[1][: len(rows)]
    assert [row[0] for row in rows][2:] == downloaded[0][2 : len(rows)]
