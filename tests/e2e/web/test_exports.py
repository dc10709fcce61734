"""Downloads behind links (issue 17.5), in the browser with its session and no token: each
link the page shows is followed and gives the file; the page shows each person only what the
permission table lets them take, and the API refuses the rest to a session too."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect

from orgs.people.roles import Role
from tests.e2e.web.conftest import LOCAL_MENTORS, MANAGER, MENTEE, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import nav, signed_in

SCHEME = "London Borough of Brent Mentoring"
TYPES = {".csv": "text/csv", ".pdf": "application/pdf", ".json": "application/json"}


async def follow_every_download(page: Page) -> dict[str, bytes]:
    """Each download link's text → the body it gives (with this browser's cookies)."""
    got = {}
    for link in await page.locator("main a[download]").all():
        href = await link.get_attribute("href")
        assert href is not None
        response = await page.request.get(page.url.split("/orgs/")[0] + href)
        assert response.status == 200, (href, await response.text())
        kind = next((t for end, t in TYPES.items() if href.endswith(end)), "application/json")
        assert response.headers["content-type"].startswith(kind), href
        got[" ".join((await link.text_content() or "").split())] = await response.body()
    return got


async def test_a_coordinator_downloads_every_export_from_the_page(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await nav(page, "Coordinate")
    await page.get_by_role("link", name="Downloads: HR export").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Downloads")
    await lena.check("downloads")
    got = await follow_every_download(page)
    assert set(got) == {
        "Your mentoring record (CSV)",
        "Your mentoring record (JSON)",
        "HR export of mentoring (CSV)",
        f"Programme report (accessible PDF) for {SCHEME}",
        f"Programme report figures (CSV) for {SCHEME}",
        f"Evaluation results (JSON) for {SCHEME}",
    }
    assert got[f"Programme report (accessible PDF) for {SCHEME}"].startswith(b"%PDF")
    header = next(csv.reader(io.StringIO(got["HR export of mentoring (CSV)"].decode())))
    assert header  # the HR system's columns
    await nav(page, "Downloads")  # the menu leads there too
    await expect(page.get_by_role("heading", level=1)).to_have_text("Downloads")


async def test_each_person_sees_only_what_they_may_download(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    umar = LOCAL_MENTORS[1]
    await grant(brent_only, umar["sub"], Role.HR_DIRECTOR)
    hr = await signed_in(browser, contexts, axe_source, brent_only, umar)
    await nav(hr.page, "Downloads")
    await hr.check("downloads-hr")
    got = await follow_every_download(hr.page)
    assert "HR export of mentoring (CSV)" in got
    assert f"Programme report figures (CSV) for {SCHEME}" in got
    assert not [k for k in got if k.startswith("Evaluation results")]  # coordinators only

    rosa = await signed_in(browser, contexts, axe_source, brent_only, MENTEE)
    page = rosa.page
    menu = page.get_by_role("navigation", name="Your mentoring")
    await expect(menu.get_by_role("link", name="Downloads")).to_have_count(0)
    await page.goto(f"{brent_only.url}/orgs/brent/exports/")
    await rosa.check("downloads-member")
    assert set(await follow_every_download(page)) == {
        "Your mentoring record (CSV)",
        "Your mentoring record (JSON)",
    }
    refused = await page.request.get(f"{brent_only.url}/api/v1/orgs/brent/hr-export.csv")
    assert refused.status == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
