"""Journeys on one node, through pages with axe on each: applying (eligibility first) and the
line manager's approval; a mentor's availability; ranked requests where the first mentor
declines privately and the second accepts; the agreement confirmed by both; a learning-log
entry kept private, then shared."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.e2e.web.conftest import (
    APPLICANT,
    LOCAL_MENTORS,
    MANAGER,
    MENTEE,
    Brent,
    Visitor,
    visitor,
)


async def nav(page: Page, name: str) -> None:
    await (
        page.get_by_role("navigation", name="Your mentoring")
        .get_by_role("link", name=name, exact=True)
        .click()
    )


async def signed_in(
    browser: Browser, contexts: list[BrowserContext], axe: Path, brent: Brent, who: dict[str, str]
) -> Visitor:
    v = await visitor(browser, contexts, who["sub"], axe)
    await v.page.goto(f"{brent.url}/orgs/brent/login")
    await v.sign_in_at_idp(who["sub"])
    await expect(v.page.locator(".mn-header__who")).to_have_text(
        f"{who['given_name']} {who['family_name']}"
    )
    return v


async def error_summary(page: Page) -> list[str]:
    return [
        t.strip() for t in await page.locator(".govuk-error-summary__list li").all_inner_texts()
    ]


async def test_apply_seeing_eligibility_first_and_the_line_manager_decides(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    amir = await signed_in(browser, contexts, axe_source, brent_only, APPLICANT)
    page = amir.page
    await expect(page.get_by_text("You have not applied to a scheme yet.")).to_be_visible()
    await amir.check("home")
    await nav(page, "Apply")
    await amir.check("apply")
    await page.get_by_role(
        "link", name="Apply to London Borough of Brent Mentoring as a mentee"
    ).click()
    eligibility = page.locator("#eligibility")
    await expect(eligibility).to_contain_text("Eligible")
    await expect(eligibility).to_contain_text("open to all staff")
    await expect(eligibility).not_to_contain_text("rule:")  # the rule's words, not its id
    await amir.check("apply-form")
    await page.get_by_role("button", name="Apply").click()  # nothing said about herself
    assert await error_summary(page) == ["Tell us your career to date or hoped gains"]
    await expect(page.locator("#hoped_gains-error")).to_be_visible()
    await amir.check("apply-form-error")
    await page.get_by_label("Your career to date").fill("Five years in <repairs>")
    await page.get_by_label("What you hope to gain from mentoring").fill("To lead a team.")
    await page.get_by_role("button", name="Apply").click()
    # Check your answers: nothing is sent yet; changing keeps what she typed.
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your application before sending it"
    )
    answers = page.locator("#answers")
    await expect(answers).to_contain_text("Five years in <repairs>")
    await expect(answers).to_contain_text("Your line manager is asked to approve it.")
    await amir.check("apply-check")
    await page.get_by_role("button", name="Change your answers").click()
    await expect(page.get_by_label("Your career to date")).to_have_value("Five years in <repairs>")
    await page.get_by_role("button", name="Apply").click()
    await page.get_by_role("button", name="Send your application").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your mentoring")
    await expect(page.get_by_role("alert")).to_contain_text("Your application has been sent")
    await expect(page.get_by_text("Awaiting line manager")).to_be_visible()
    await amir.check("home-applied")

    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    lpage = lena.page
    await nav(lpage, "Approvals")
    await lena.check("approvals")
    await lpage.get_by_role("link", name="Amir Haddad").click()
    await expect(lpage.locator(".govuk-summary-list")).to_contain_text("To lead a team.")
    await expect(lpage.locator(".govuk-summary-list")).to_contain_text("Five years in <repairs>")
    await lena.check("approval")
    await lpage.get_by_label("Decline").check()
    await lpage.get_by_role("button", name="Send decision").click()
    errors = " ".join(await error_summary(lpage)).lower()
    assert "reason" in errors
    assert "service delivery" in errors
    await expect(lpage.get_by_label("Decline")).to_be_checked()
    await lena.check("approval-error")
    await lpage.get_by_label("Approve").check()
    await lpage.get_by_role("button", name="Send decision").click()
    await expect(lpage.locator("#done")).to_contain_text("Decision sent")
    await expect(lpage.get_by_text("Nothing is waiting for your decision.")).to_be_visible()
    await lena.check("approval-done")

    await page.reload()
    await expect(page.locator(".govuk-summary-list")).to_contain_text("Approved")


async def test_ranked_requests_a_private_decline_the_agreement_and_the_learning_log(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    maya_p, umar_p = LOCAL_MENTORS
    maya = await signed_in(browser, contexts, axe_source, brent_only, maya_p)
    await nav(maya.page, "Profiles")
    await maya.page.get_by_role("link", name="Change your availability and mentor profile").click()
    await maya.check("mentor-profile")
    await maya.page.get_by_label("How many mentees can you take at once?").fill("2")
    await maya.page.get_by_role("button", name="Save your mentor profile").click()
    await expect(maya.page.get_by_text("Up to 2 mentees at once")).to_be_visible()

    rosa = await signed_in(browser, contexts, axe_source, brent_only, MENTEE)
    page = rosa.page
    await nav(page, "Find a mentor")
    await page.get_by_role("checkbox", name="Maya Zielinski").check()
    await page.get_by_role("checkbox", name="Umar Zielinski").check()
    await rosa.check("suggestions-chosen")
    await page.get_by_role("button", name="Ask the mentors you chose").click()
    sent = page.get_by_role("table", name="Requests you sent")
    await expect(page.locator("#done")).to_contain_text("Request sent")
    await expect(sent.get_by_role("row", name="Maya Zielinski")).to_contain_text(
        "Waiting for an answer"
    )
    await expect(sent.get_by_role("row", name="Umar Zielinski")).to_contain_text("Not sent yet")
    await rosa.check("requests-sent")

    await maya.page.goto(f"{brent_only.url}/orgs/brent/requests")
    await maya.page.get_by_role("link", name="Decline the request from Rosa Doyle").click()
    await maya.check("decline")
    await maya.page.get_by_label("I have no capacity at the moment").check()
    await maya.page.get_by_label("Anything to add").fill("Busy until spring")
    await maya.page.get_by_label("Keep my reason private").check()
    await maya.page.get_by_role("button", name="Decline request").click()
    await expect(
        maya.page.get_by_role("table", name="Requests to you, as a mentor")
    ).to_contain_text("Busy until spring")

    await page.reload()  # cascading: the decline opened the request to the second choice
    await expect(sent.get_by_role("row", name="Maya Zielinski")).to_contain_text("Declined")
    await expect(sent).not_to_contain_text("Busy until spring")  # the reason stays private
    await expect(sent.get_by_role("row", name="Umar Zielinski")).to_contain_text(
        "Waiting for an answer"
    )

    umar = await signed_in(browser, contexts, axe_source, brent_only, umar_p)
    upage = umar.page
    await nav(upage, "Requests")
    await upage.get_by_role("button", name="Accept").click()
    await expect(upage.get_by_role("heading", level=1)).to_have_text("Mentoring with Rosa Doyle")
    await upage.get_by_role("button", name="Save the agreement").click()  # nothing filled in
    assert len(await error_summary(upage)) >= 3
    await umar.check("agreement-error")
    await upage.get_by_label("How often you will meet").fill("Monthly")
    await upage.get_by_label("Where you will meet").fill("Civic Centre, room 4")
    await upage.get_by_label("How long each meeting lasts, in minutes").fill("60")
    await upage.get_by_label("The mentee", exact=True).check()
    await upage.get_by_role("button", name="Save the agreement").click()
    await upage.get_by_role("button", name="Confirm the agreement").click()  # boxes not ticked
    assert await error_summary(upage) == [
        "Confirm that you accept both the code of conduct and the principles"
    ]
    await upage.get_by_label("I accept the code of conduct").check()
    await upage.get_by_label("I accept the principles").check()
    await upage.get_by_role("button", name="Confirm the agreement").click()
    await expect(upage.get_by_text("Waiting for the other side")).to_be_visible()
    await umar.check("agreement-confirmed")

    await nav(page, "Home")
    await page.get_by_role("link", name="Umar Zielinski").click()
    await page.get_by_label("I accept the code of conduct").check()
    await page.get_by_label("I accept the principles").check()
    await page.get_by_role("button", name="Confirm the agreement").click()
    await expect(page.locator(".govuk-summary-list").first).to_contain_text("Active")
    await page.get_by_text("Add to your learning log").click()
    await page.get_by_label("What you did").fill("Shadowed a tenancy panel")
    await page.get_by_label("What you learned").fill("How decisions are recorded")
    await page.get_by_role("button", name="Add entry").click()
    await expect(page.locator("#learning-log ~ div").first).to_contain_text("Private")
    await rosa.check("relationship-log")

    await upage.reload()
    await expect(upage.locator("main")).not_to_contain_text("Shadowed a tenancy panel")
    await page.get_by_role("button", name="Share this entry with my mentor").click()
    await upage.reload()
    await expect(upage.locator("main")).to_contain_text("Shadowed a tenancy panel")
    await umar.check("relationship-shared-log")
    # Shadowing needs the mentee's line manager's agreement.
    await page.locator("summary", has_text="Propose shadowing").click()
    await page.get_by_label("Who will be shadowed").fill("Umar at the tenancy panel")
    shadowing = page.locator("form", has=page.get_by_role("button", name="Propose shadowing"))
    await shadowing.get_by_label("Day").fill("15")
    await shadowing.get_by_label("Month").fill("1")
    await shadowing.get_by_label("Year").fill("2030")
    await page.get_by_role("button", name="Propose shadowing").click()
    await expect(page.locator("#shadowing ~ p").first).to_contain_text("15 January 2030")
    await expect(page.locator("#shadowing ~ p").first).to_contain_text("Proposed")
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    await nav(lena.page, "Approvals")
    shadow = lena.page.locator("form", has_text="Shadowing Umar at the tenancy panel")
    await shadow.get_by_label("Agree").check()
    await shadow.get_by_role("button", name="Send decision").click()  # service delivery?
    await expect(lena.page.locator(".govuk-error-summary")).to_contain_text("service delivery")
    await lena.check("shadowing-error")
    shadow = lena.page.locator("form", has_text="Shadowing Umar at the tenancy panel")
    await expect(shadow.get_by_label("Agree")).to_be_checked()
    await shadow.get_by_label("I have considered the effect on service delivery").check()
    await shadow.get_by_role("button", name="Send decision").click()
    await expect(lena.page.get_by_text("No shadowing is waiting")).to_be_visible()
    await page.reload()
    await expect(page.locator("#shadowing ~ p").first).to_contain_text("Agreed")

    await nav(page, "Notifications")
    await expect(page.locator("main")).to_contain_text("Shadowing agreed")
    await rosa.check("notifications")
    # A notification opens what it is about; one button marks them all read.
    await page.get_by_role("link", name="Shadowing agreed").first.click()
    await expect(page.locator("#shadowing")).to_be_visible()
    await nav(page, "Notifications")
    await page.get_by_role("button", name="Mark all as read").click()
    await expect(page.locator("main .govuk-tag", has_text="New")).to_have_count(0)
    await expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
    await rosa.check("notifications-all-read")
