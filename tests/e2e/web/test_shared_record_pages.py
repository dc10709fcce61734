"""Issue 16: both people of a pair across organisations work on one shared record, each on
their own organisation's pages, in Chromium, with axe on every page touched. The same
agreement (both confirm; active only after both), meetings, objectives and shared log entries
on both sides; an entry unshared disappears on the other side.

Parametrised by the kind of pair (``PAIRS``), each giving the same :class:`SharedPair`:

- ``cross_node``: a Brent mentee on node A, an NCH mentor on node B, two live nodes, the
  messages delivered by the test. The mentor's changes are shown "Waiting for the other
  organisation to confirm" until the mentee's node answers.
- ``same_node``: a Brent mentee and a Harrow mentor, both on node A (one live node), each
  signing in through their own organisation's IdP. The node delivers every message to itself
  in-process before it answers the request that queued it, so the mentor's changes are part of
  the record, on both pages, as soon as the mentor's page comes back: never "waiting".
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from network.web.uk_time import local
from tests.e2e.web.conftest import Federation, SameNode, Visitor, visitor
from tests.e2e.web.test_member_journey import nav

WAITING = "Waiting for the other organisation to confirm"
PAIRS = ["cross_node", "same_node"]


@dataclass
class SharedPair:
    """Both people signed in on their own node's pages, on their relationship's page."""

    mentee: Visitor
    mentor: Visitor
    mentee_page: str  # the relationship page's address on the mentee's node
    mentor_page: str
    #: Until both sides are in step: deliver what the two nodes queued (cross-node), or wait
    #: until the one node has nothing left to deliver to itself (same-node).
    settle: Callable[[], Awaitable[None]]
    #: Whether the mentor's changes wait for the mentee's side to confirm them (another node),
    #: or are part of the record when the mentor's page comes back (the same node).
    waits: bool


async def _cross_node(
    fed: Federation, browser: Browser, contexts: list[BrowserContext], axe: Path
) -> SharedPair:
    """The journey of ``test_member_journey`` up to acceptance, shortened to its clicks."""
    mentee = await visitor(browser, contexts, "shared-mentee", axe)
    page = mentee.page
    await page.goto(f"{fed.a_url}/orgs/brent/login")
    await mentee.sign_in_at_idp("rosa")
    await nav(page, "Profiles")
    await page.get_by_role("link", name="Create your mentee profile").click()
    await page.get_by_role("checkbox", name="Housing", exact=True).check()
    await page.get_by_role("button", name="Continue").click()  # step 2 rates what was chosen
    await (
        page.get_by_role("group", name="Housing", exact=True).get_by_label("5 – essential").check()
    )
    await page.get_by_role("button", name="Save your mentee profile").click()
    await nav(page, "Find a mentor")
    await page.locator(".govuk-checkboxes__item").first.get_by_role("checkbox").check()
    await page.get_by_role("button", name="Ask the mentors you chose").click()
    assert await fed.deliver(fed.a) == 1
    asked = await fed.asked_mentor()
    mentor = await visitor(browser, contexts, "shared-mentor", axe)
    mpage = mentor.page
    await mpage.goto(f"{fed.b_url}/orgs/nch/login")
    await mentor.sign_in_at_idp(asked["sub"])
    await nav(mpage, "Requests")
    received = mpage.get_by_role("table", name="Requests to you, as a mentor")
    await received.get_by_role("button", name="Accept").click()
    await expect(mpage).to_have_url(re.compile(rf"{fed.b_url}/orgs/nch/relationships/[0-9a-f-]+"))

    async def settle() -> None:
        for _ in range(10):
            if await fed.deliver(fed.a) + await fed.deliver(fed.b) == 0:
                return
        raise AssertionError("the two nodes never settled")

    await settle()
    await nav(page, "Home")
    await page.get_by_role("link", name=f"{asked['given_name']} Shah").click()
    return SharedPair(
        mentee, mentor, page.url.split("?")[0], mpage.url.split("?")[0], settle, waits=True
    )


async def _same_node(
    here: SameNode, browser: Browser, contexts: list[BrowserContext], axe: Path
) -> SharedPair:
    """The same clicks, both people on node A: nothing for the test to deliver; ``settle``
    only makes sure the node has delivered everything to itself."""
    mentee = await visitor(browser, contexts, "same-node-mentee", axe)
    page = mentee.page
    await page.goto(f"{here.url}/orgs/brent/login")
    await mentee.sign_in_at_idp("rosa")
    await nav(page, "Profiles")
    await page.get_by_role("link", name="Create your mentee profile").click()
    await page.get_by_role("checkbox", name="Housing", exact=True).check()
    await page.get_by_role("button", name="Continue").click()
    await (
        page.get_by_role("group", name="Housing", exact=True).get_by_label("5 – essential").check()
    )
    await page.get_by_role("button", name="Save your mentee profile").click()
    await nav(page, "Find a mentor")
    await page.locator(".govuk-checkboxes__item").first.get_by_role("checkbox").check()
    await page.get_by_role("button", name="Ask the mentors you chose").click()
    await here.delivered()
    asked = await here.asked_mentor()
    mentor = await visitor(browser, contexts, "same-node-mentor", axe)
    mpage = mentor.page
    await mpage.goto(f"{here.url}/orgs/harrow/login")
    await mentor.sign_in_at_idp(asked["sub"])
    await nav(mpage, "Requests")
    received = mpage.get_by_role("table", name="Requests to you, as a mentor")
    await received.get_by_role("button", name="Accept").click()
    await expect(mpage).to_have_url(re.compile(rf"{here.url}/orgs/harrow/relationships/[0-9a-f-]+"))
    await here.delivered()
    await nav(page, "Home")
    await page.get_by_role("link", name=f"{asked['given_name']} Shah").click()
    return SharedPair(
        mentee, mentor, page.url.split("?")[0], mpage.url.split("?")[0], here.delivered, waits=False
    )


@pytest.fixture(params=PAIRS)
def make_pair(
    request: pytest.FixtureRequest,
    browser: Browser,
    contexts: list[BrowserContext],
    axe_source: Path,
) -> Callable[[], Awaitable[SharedPair]]:
    """The pair of the kind in ``request.param``, made when the test awaits it (a sync fixture,
    so that it can ask for the kind's own live-node fixture by name)."""
    if request.param == "cross_node":
        fed: Federation = request.getfixturevalue("federation")
        return lambda: _cross_node(fed, browser, contexts, axe_source)
    if request.param == "same_node":
        here: SameNode = request.getfixturevalue("same_node")
        return lambda: _same_node(here, browser, contexts, axe_source)
    raise AssertionError(f"no fixture for a {request.param} pair yet")


async def reload(page: Page, url: str) -> None:
    await page.goto(url)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Mentoring with")


async def fill_agreement(page: Page) -> None:
    await page.get_by_label("How often you will meet").fill("Monthly")
    await page.get_by_label("Where you will meet").fill("Brent Civic Centre")
    await page.get_by_label("How long each meeting lasts, in minutes").fill("60")
    await page.get_by_label("The mentee", exact=True).check()
    await page.get_by_role("button", name="Save the agreement").click()


async def confirm(page: Page) -> None:
    await page.get_by_label("I accept the code of conduct").check()
    await page.get_by_label("I accept the principles").check()
    await page.get_by_role("button", name="Confirm the agreement").click()


def status(page: Page) -> Locator:
    return page.locator(".govuk-summary-list").first.locator(".govuk-tag")


async def test_both_people_see_and_work_on_the_same_record_on_their_own_pages(
    make_pair: Callable[[], Awaitable[SharedPair]],
) -> None:
    pair = await make_pair()
    mentee, mentor = pair.mentee.page, pair.mentor.page
    await pair.mentee.check("relationship")

    # The agreement: written by the mentee, the same text on the mentor's page.
    await fill_agreement(mentee)
    await pair.settle()
    await reload(mentor, pair.mentor_page)
    await expect(mentor.get_by_label("Where you will meet")).to_have_value("Brent Civic Centre")
    await expect(mentor.get_by_label("How often you will meet")).to_have_value("Monthly")
    await pair.mentor.check("relationship-agreement")

    # Both confirm; one confirmation is not enough, on either side.
    await confirm(mentee)
    await expect(mentee.get_by_text("Waiting for the other side")).to_be_visible()
    await pair.settle()
    await reload(mentor, pair.mentor_page)
    await expect(status(mentor)).to_have_text("Agreeing how you will work")
    await confirm(mentor)
    if pair.waits:
        # Made on the mentor's node, not yet part of the record the mentee's node keeps.
        await expect(mentor.locator("#pending-changes")).to_contain_text(WAITING)
        await expect(mentor.locator("#pending-changes")).to_contain_text(
            "Your confirmation of the agreement"
        )
        await expect(status(mentor)).to_have_text("Agreeing how you will work")
        await pair.mentor.check("relationship-pending")
        await reload(mentee, pair.mentee_page)
        await expect(status(mentee)).to_have_text("Agreeing how you will work")
    else:
        # Taken by the mentee's side before the mentor's page came back: active on both
        # pages with nothing delivered by the test, and nothing shown as waiting.
        await expect(status(mentor)).to_have_text("Active")
        await expect(mentor.locator("#pending-changes")).to_have_count(0)
        await expect(mentor.locator("main")).not_to_contain_text(WAITING)
        await pair.mentor.check("relationship-confirmed")
        await reload(mentee, pair.mentee_page)
        await expect(status(mentee)).to_have_text("Active")
    await pair.settle()
    for page, url in ((mentee, pair.mentee_page), (mentor, pair.mentor_page)):
        await reload(page, url)
        await expect(status(page)).to_have_text("Active")
        await expect(page.locator("main")).not_to_contain_text(WAITING)
        agreement = page.locator("#agreement + dl")
        await expect(agreement).to_contain_text("Brent Civic Centre")
        await expect(agreement.locator(".govuk-summary-list__row").nth(4)).not_to_contain_text(
            "Not yet"
        )
        await expect(agreement.locator(".govuk-summary-list__row").nth(5)).not_to_contain_text(
            "Not yet"
        )
    await pair.mentee.check("relationship-active")

    # A meeting the mentor schedules: pending on the mentor's page, then on both.
    when = local((datetime.now(UTC) + timedelta(days=7)).replace(hour=10, minute=0, second=0))
    form = mentor.locator("form", has=mentor.get_by_role("button", name="Add meeting"))
    await form.get_by_label("No, schedule it").check()
    await form.get_by_label("Day").fill(str(when.day))
    await form.get_by_label("Month").fill(str(when.month))
    await form.get_by_label("Year").fill(str(when.year))
    await form.get_by_label("Start time (UK time)").fill(f"{when:%H:%M}")
    await form.get_by_label("How long, in minutes").fill("45")
    await form.get_by_label("Online").check()
    await form.get_by_role("button", name="Add meeting").click()
    meetings = mentor.get_by_role("table", name="Meetings")
    if pair.waits:
        await expect(meetings).to_contain_text(WAITING)
        await pair.mentor.check("relationship-meeting-pending")
    else:
        await expect(meetings).to_contain_text("45 minutes")
        await expect(meetings).to_contain_text("Planned")
        await expect(mentor.locator("main")).not_to_contain_text(WAITING)
        await pair.mentor.check("relationship-meeting")

    # An objective and a shared log entry from the mentee; a private one stays hers.
    await mentee.get_by_text("Add an objective").click()
    await mentee.get_by_label("Objective", exact=True).fill("Lead a housing team")
    await mentee.get_by_role("button", name="Add objective").click()
    for learning, shared in (("Delegation matters.", True), ("PRIVATE: my worries.", False)):
        await mentee.get_by_text("Add to your learning log").click()
        await mentee.get_by_label("What you did").fill("Shadowed a director")
        await mentee.get_by_label("What you learned").fill(learning)
        if shared:
            await mentee.get_by_label("Share this entry with my mentor").check()
        await mentee.get_by_role("button", name="Add entry").click()
    await pair.settle()

    for page, url, who in (
        (mentee, pair.mentee_page, pair.mentee),
        (mentor, pair.mentor_page, pair.mentor),
    ):
        await reload(page, url)
        table = page.get_by_role("table", name="Meetings")
        await expect(table).to_contain_text("45 minutes")
        await expect(table).to_contain_text("Planned")
        await expect(page.locator("main")).not_to_contain_text(WAITING)
        await expect(page.locator("#objectives ~ h3").first).to_contain_text("Lead a housing team")
        await expect(page.locator("main")).to_contain_text("Delegation matters.")
        await who.check("relationship-shared")
    await expect(mentor.locator("main")).not_to_contain_text("PRIVATE: my worries.")
    await expect(mentee.locator("main")).to_contain_text("PRIVATE: my worries.")

    # The mentee stops sharing the entry: gone from the mentor's page.
    card = mentee.locator(".govuk-summary-card", has_text="Delegation matters.")
    await card.get_by_role("button", name="Stop sharing this entry").click()
    await pair.settle()
    await reload(mentor, pair.mentor_page)
    await expect(mentor.locator("main")).not_to_contain_text("Delegation matters.")
    await expect(mentor.get_by_text("No entries shared with you yet.")).to_be_visible()
    await pair.mentor.check("relationship-unshared")
