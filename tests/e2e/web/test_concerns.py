"""Raising a concern (the code of conduct promises it) and the coordinator's concerns inbox,
through pages with axe on each; refusals change nothing (re-read from the database)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy import select

from orgs.mentoring.concerns import Concern, ConcernState
from orgs.people.roles import Role
from tests.e2e.web.conftest import LOCAL_MENTORS, MANAGER, MENTEE, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import error_summary, nav, signed_in


async def concerns_in(brent: Brent) -> list[Concern]:
    async with brent.node.runtime.sessionmaker() as session:
        return list((await session.scalars(select(Concern))).all())


async def test_a_mentee_raises_a_concern_and_the_coordinator_resolves_it(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    rosa = await signed_in(browser, contexts, axe_source, brent_only, MENTEE)
    page = rosa.page
    await nav(page, "Find a mentor")
    await page.get_by_role("checkbox", name="Maya Zielinski").check()
    await page.get_by_role("button", name="Ask the mentors you chose").click()
    maya = await signed_in(browser, contexts, axe_source, brent_only, LOCAL_MENTORS[0])
    await nav(maya.page, "Requests")
    await maya.page.get_by_role("button", name="Accept").click()

    await nav(page, "Home")
    await page.get_by_role("link", name="Maya Zielinski").click()
    await page.get_by_text("Raise a concern").click()
    await page.get_by_role("button", name="Send to the coordinator").click()  # nothing said
    assert await error_summary(page) == [
        "Choose what the concern is about",
        "Describe your concern",
    ]
    assert await concerns_in(brent_only) == []  # re-read: nothing raised
    await rosa.check("concern-error")
    await page.get_by_label("The mentoring is not working").check()
    await page.get_by_label("Your concern").fill("We have not met for two months")
    await page.get_by_role("button", name="Send to the coordinator").click()
    await expect(page.locator("#done")).to_contain_text("Concern sent to the scheme coordinator")
    await expect(page.locator("#concerns ~ p").nth(1)).to_contain_text("New")
    await rosa.check("concern-raised")

    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    lpage = lena.page
    await nav(lpage, "Coordinate")
    await lpage.get_by_role("link", name="Concerns raised by members").click()
    card = lpage.locator("form", has_text="We have not met for two months")
    await expect(card).to_contain_text("The mentoring is not working: Rosa Doyle with Maya")
    await lena.check("concerns-inbox")
    await card.get_by_label("It is resolved").check()
    await card.get_by_role("button", name="Update the concern").click()  # no note
    assert await error_summary(lpage) == ["Enter how the concern was resolved"]
    [row] = await concerns_in(brent_only)
    assert row.state is ConcernState.OPEN  # re-read: unchanged
    await lena.check("concerns-error")
    card = lpage.locator("form", has_text="We have not met for two months")
    await card.get_by_label("It is resolved").check()
    await card.get_by_label("Note").fill("Spoke to both; meetings booked monthly")
    await card.get_by_role("button", name="Update the concern").click()
    await expect(lpage.locator("#done")).to_contain_text("Concern updated")
    await expect(lpage.get_by_text("No concerns are waiting.")).to_be_visible()
    [row] = await concerns_in(brent_only)
    assert row.state is ConcernState.RESOLVED

    await page.reload()
    await expect(page.locator("#concerns ~ p").nth(1)).to_contain_text(
        "Resolved Spoke to both; meetings booked monthly"
    )
