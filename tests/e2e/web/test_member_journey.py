"""Issue 9, "done when": a new user opens the node's home page, signs in as a Brent mentee,
finds and requests a Nottingham City Homes mentor on the other node, that mentor signs in on
node B and accepts, and both record a first meeting — all through pages, with axe on each."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect

from network.web.uk_time import local, uk_when
from tests.e2e.web.conftest import MENTORS, Federation, visitor
from tests.e2e.web.test_local_journeys import error_summary


async def test_a_brent_mentee_finds_an_nch_mentor_who_accepts_and_both_record_a_meeting(
    federation: Federation, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    fed = federation
    mentee = await visitor(browser, contexts, "mentee", axe_source)
    page = mentee.page

    # The node's home page lists its organisations; Brent's link starts the real sign-in.
    await page.goto(fed.a_url + "/")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Mentoring across organisations"
    )
    await expect(page.locator("#how-it-works + ol li")).to_have_count(5)  # what happens next
    await mentee.check("node-home")
    await page.get_by_role("link", name="London Borough of Brent").click()
    await mentee.sign_in_at_idp("rosa")
    assert page.url == f"{fed.a_url}/orgs/brent/"
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your mentoring")
    await expect(page.locator(".mn-header__name")).to_contain_text("London Borough of Brent")
    await mentee.check("home")

    # Where she stands: an approved application, no profile yet.
    await expect(page.locator(".govuk-summary-list").get_by_text("Approved")).to_be_visible()
    await expect(page.locator("#task-profile-status")).to_contain_text("Not started")
    await nav(page, "Profiles")
    await mentee.check("profiles")
    await page.get_by_role("link", name="Create your mentee profile").click()
    # Step 1: the topics by group, as checkboxes; step 2 asks only about the ones chosen.
    await mentee.check("mentee-topics")
    await page.get_by_role("button", name="Continue").click()  # none chosen
    assert await error_summary(page) == ["Choose at least one topic"]
    await page.get_by_role("checkbox", name="Housing", exact=True).check()
    await page.get_by_role("checkbox", name="Leadership and management").check()
    await page.get_by_role("button", name="Continue").click()
    assert await page.locator("input[type=radio][name^=topic-]").count() == 10  # 2 × 5
    await mentee.check("mentee-profile")
    housing = page.get_by_role("group", name="Housing", exact=True)
    await housing.get_by_label("5 – essential").check()
    leadership = page.get_by_role("group", name="Leadership and management")
    await leadership.get_by_label("4").check()
    await page.get_by_role("button", name="Save your mentee profile").click()
    await expect(page.get_by_text("Housing: importance 5 of 5")).to_be_visible()

    # Suggestions: the NCH mentor is first, by organisation and node only, with the reasons.
    await nav(page, "Find a mentor")
    await mentee.check("suggestions")
    first = page.locator(".govuk-checkboxes__item").first
    await expect(first).to_contain_text("A mentor at Nottingham City Homes")
    for person in MENTORS:
        await expect(page.locator("main")).not_to_contain_text(person["given_name"])
    score = int(await first.locator(".mn-score").inner_text())
    assert 50 < score <= 100
    await first.get_by_text("Why this match").click()
    await expect(first.locator(".govuk-details__text li").first).to_be_visible()
    await mentee.check("suggestions-why")
    await first.get_by_role("checkbox").check()
    await page.get_by_label("A message for the mentor").fill("I would like to lead a housing team.")
    await page.get_by_role("button", name="Ask the mentors you chose").click()
    assert page.url == f"{fed.a_url}/orgs/brent/requests?done=asked"
    await expect(page.locator("#done")).to_contain_text("Request sent")
    sent = page.get_by_role("table", name="Requests you sent")
    await expect(sent).to_contain_text("Waiting for an answer")
    await mentee.check("requests-sent")
    assert await fed.deliver(fed.a) == 1  # request.create reaches node B
    asked = await fed.asked_mentor()

    # The NCH mentor she chose signs in on node B and accepts.
    mentor = await visitor(browser, contexts, "mentor", axe_source)
    mpage = mentor.page
    await mpage.goto(fed.b_url + "/")
    await mentor.check("node-b-home")
    await mpage.get_by_role("link", name="Nottingham City Homes").click()
    await mentor.sign_in_at_idp(asked["sub"])
    await mentor.check("home")
    await nav(mpage, "Requests")
    received = mpage.get_by_role("table", name="Requests to you, as a mentor")
    # No name before accepting: the organisation, what she asks for, her words.
    await expect(received).to_contain_text("a mentee at London Borough of Brent")
    await expect(received).to_contain_text("Housing: essential (5 of 5)")
    await expect(received).to_contain_text("Their message: “I would like to lead a housing team.”")
    await expect(received).not_to_contain_text("Rosa")
    await mentor.check("requests-received")
    await received.get_by_role("button", name="Accept").click()
    await expect(mpage).to_have_url(re.compile(rf"{fed.b_url}/orgs/nch/relationships/[0-9a-f-]+"))
    await mentor.check("relationship")
    assert await fed.deliver(fed.b) == 1  # request.accept, with the introduction
    # request.introduce (the mentee's half) and the shared record's first version
    assert await fed.deliver(fed.a) == 2

    # The mentor records the first meeting (today from midnight UTC, an hour) on node B: not
    # before the day the relationship began, not in the future. It is typed, and shown, in
    # London time (01:00 in British Summer Time).
    today = local(datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
    await record_first_meeting(mpage, today)
    meetings = mpage.get_by_role("table", name="Meetings")
    await expect(meetings).to_contain_text("Held")
    await expect(meetings).to_contain_text(uk_when(today))  # "2 December 2026, midnight"
    await expect(mpage.get_by_text("1.0 of")).to_be_visible()
    await mentor.check("relationship-meeting")

    # The mentee now sees her mentor's name, and records the meeting on her side.
    await nav(page, "Home")
    await expect(page.get_by_role("link", name=f"{asked['given_name']} Shah")).to_be_visible()
    await mentee.check("home-with-mentor")
    await page.get_by_role("link", name=f"{asked['given_name']} Shah").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Mentoring with {asked['given_name']} Shah"
    )
    await mentee.check("relationship")
    await record_first_meeting(page, today)
    await expect(page.get_by_role("table", name="Meetings")).to_contain_text("Held")
    await mentee.check("relationship-meeting")
    await nav(page, "Notifications")
    await mentee.check("notifications")


async def nav(page: Page, name: str) -> None:
    await (
        page.get_by_role("navigation", name="Your mentoring")
        .get_by_role("link", name=name, exact=True)
        .click()
    )


async def record_first_meeting(page: Page, at: datetime) -> None:
    """``at``: a London time (the GOV.UK date input, and a time box in UK time)."""
    form = page.locator("form", has=page.get_by_role("button", name="Add meeting"))
    await form.get_by_label("Yes, record it as held").check()
    await form.get_by_label("Day").fill(str(at.day))
    await form.get_by_label("Month").fill(str(at.month))
    await form.get_by_label("Year").fill(str(at.year))
    await form.get_by_label("Start time (UK time)").fill(f"{at:%H:%M}")
    await form.get_by_label("How long, in minutes").fill("60")
    await form.get_by_label("Online").check()
    await form.get_by_role("button", name="Add meeting").click()
