"""The pages of issue 19 that were API-only, in Chromium with axe on each: a check-in answered
from its notification, the review page (review points; carrying on, proposed by one and agreed
by the other), the follow-up months after the end, and the coordinator's report schedules.
Refusals change nothing (re-read from the database)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from orgs.db import utcnow
from orgs.mentoring.checkins import Checkin, open_due_checkins
from orgs.mentoring.extensions import Extension
from orgs.mentoring.follow_ups import FollowUp, open_due_follow_ups
from orgs.mentoring.relationship_states import EndKind, RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.people.roles import Role
from orgs.records.report_schedules import ReportSchedule
from orgs.schemes.schemes import Scheme
from tests.e2e.web.conftest import LOCAL_MENTORS, MANAGER, MENTEE, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import error_summary, nav, signed_in

M = TypeVar("M")


async def _rows(brent: Brent, model: type[M]) -> list[M]:
    async with brent.node.runtime.sessionmaker() as session:
        return list((await session.scalars(select(model))).all())


async def _fill_date(page: Page, name: str, day: str, month: str, year: str) -> None:
    await page.locator(f"#{name}").fill(day)
    await page.locator(f"#{name}-month").fill(month)
    await page.locator(f"#{name}-year").fill(year)


async def _jobs_later(brent: Brent, days: int, *, end: bool = False) -> None:
    """The jobs at a moved clock: the relationship started ``days`` ago (or ended then)."""
    async with brent.node.runtime.sessionmaker() as session, session.begin():
        [rel] = (await session.scalars(select(Relationship))).all()
        rel.started_at -= timedelta(days=days)
        if end:
            rel.state, rel.end_kind = RelationshipState.ENDED, EndKind.COMPLETED
            rel.ended_at = utcnow() - timedelta(days=days - 1)
            await session.flush()
            await open_due_follow_ups(session, utcnow())
        else:
            await open_due_checkins(session, utcnow())


async def test_check_in_review_points_carrying_on_and_the_follow_up_in_the_browser(
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

    # A check-in falls due; Rosa answers it from her notification.
    await _jobs_later(brent_only, 31)
    await nav(page, "Notifications")
    await page.get_by_role("link", name="How is your mentoring going?").click()
    await rosa.check("checkin")
    await page.get_by_role("button", name="Send my answers").click()
    assert await error_summary(page) == [
        "Choose how your mentoring is going",
        "Say whether you are meeting regularly",
    ]
    await rosa.check("checkin-error")
    mine = [
        c for c in await _rows(brent_only, Checkin) if c.respondent_id == brent_only.people["rosa"]
    ]
    assert [c.answered_at for c in mine] == [None]
    await page.get_by_label("Well", exact=True).check()
    await page.get_by_label("Yes").check()
    await page.get_by_role("button", name="Send my answers").click()
    await expect(page.get_by_text("Thank you for answering")).to_be_visible()
    await rosa.check("checkin-answered")

    # The review page: a review point, and carrying on past the planned end.
    await page.get_by_role("link", name="Back to the relationship").click()
    await page.get_by_role("link", name="Review points you agreed").click()
    await rosa.check("review")
    await page.get_by_role("button", name="Add the review point").click()
    assert len(await error_summary(page)) == 1
    await rosa.check("review-error")
    soon = (utcnow() + timedelta(days=21)).date()
    await _fill_date(page, "on", str(soon.day), str(soon.month), str(soon.year))
    await page.get_by_label("What you will look at (optional)").fill("Objectives so far")
    await page.get_by_role("button", name="Add the review point").click()
    await expect(page.get_by_text("Objectives so far")).to_be_visible()
    [rel] = await _rows(brent_only, Relationship)
    later = rel.planned_end_on + timedelta(days=45)
    await _fill_date(page, "until", str(later.day), str(later.month), str(later.year))
    await page.get_by_role("button", name="Propose carrying on").click()
    await expect(page.get_by_text("Waiting for them to agree.")).to_be_visible()
    await rosa.check("review-proposed")
    # Rosa cannot agree to her own proposal: there is no button, and the end has not moved.
    assert await page.get_by_role("button", name="Agree to carry on").count() == 0

    mpage = maya.page
    await mpage.goto(f"{brent_only.url}/orgs/brent/relationships/{rel.id}/review/")
    await maya.check("review-other")
    await mpage.get_by_role("button", name="Agree to carry on").click()
    await expect(mpage.get_by_text("Agreed.")).to_be_visible()
    [ext] = await _rows(brent_only, Extension)
    [rel] = await _rows(brent_only, Relationship)
    assert ext.agreed_at is not None
    assert rel.planned_end_on == later

    # Months after the end: the follow-up, from its notification.
    await _jobs_later(brent_only, 200, end=True)
    await nav(page, "Notifications")
    await page.get_by_role("link", name="What has happened since your mentoring?").click()
    await rosa.check("follow-up")
    await page.get_by_label("I was promoted").check()
    await page.get_by_role("button", name="Send my answer").click()
    await expect(page.get_by_text("Thank you: your answer is counted")).to_be_visible()
    await rosa.check("follow-up-answered")
    [row] = await _rows(brent_only, FollowUp)
    assert list(row.happened) == ["promotion"]
    # Maya (not its respondent) gets no such page.
    await mpage.goto(page.url)
    await expect(mpage.get_by_role("heading", level=1)).not_to_have_text(
        "What has happened since your mentoring?"
    )


async def test_a_coordinator_schedules_changes_and_deletes_a_report(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    [scheme] = await _rows(brent_only, Scheme)
    url = f"{brent_only.url}/orgs/brent/coordinate/schemes/{scheme.id}/report-schedules/"
    # Not a coordinator: refused, nothing made.
    amir = await signed_in(browser, contexts, axe_source, brent_only, MENTEE)
    response = await amir.page.goto(url)
    assert response is not None
    assert response.status == 403
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await page.goto(url)
    await lena.check("schedules")
    form = page.locator("form", has=page.get_by_role("button", name="Schedule the report"))
    await form.get_by_label("Recipients").fill("leadership")
    await form.get_by_role("button", name="Schedule the report").click()
    assert await error_summary(page) == [
        "leadership is not an email address, like name@example.org"
    ]
    assert await _rows(brent_only, ReportSchedule) == []
    await lena.check("schedules-error")
    form = page.locator("form", has=page.get_by_role("button", name="Schedule the report"))
    await form.get_by_label("Recipients").fill("leadership-team@brent.example")
    await form.get_by_label("Quarterly").check()
    await form.get_by_role("button", name="Schedule the report").click()
    await expect(page.get_by_text("Quarterly to leadership-team@brent.example")).to_be_visible()
    await lena.check("schedules-made")
    [row] = await _rows(brent_only, ReportSchedule)
    card = page.locator(".govuk-summary-card")
    await card.get_by_label("Recipients").fill("ceo@brent.example\nleadership-team@brent.example")
    await card.get_by_label("Monthly").check()
    await card.get_by_role("button", name="Save changes").click()
    await expect(
        page.get_by_text("Monthly to ceo@brent.example, leadership-team@brent.example")
    ).to_be_visible()
    [row] = await _rows(brent_only, ReportSchedule)
    assert row.recipients == ["ceo@brent.example", "leadership-team@brent.example"]
    await page.get_by_role("button", name="Delete this schedule").click()
    await expect(page.get_by_text("No report is scheduled.")).to_be_visible()
    assert await _rows(brent_only, ReportSchedule) == []
