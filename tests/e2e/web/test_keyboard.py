"""The main journey with the keyboard only (Tab to move, Enter to follow or press), in
browsers that enforce our Content-Security-Policy: no page may trip it."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect

from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.registry import OrgRegistry
from tests.e2e.web.conftest import MENTEE, Federation, Visitor, visitor

MAX_TABS = 150


async def focused_text(page: Page) -> str:
    text: str = await page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return "";
            return (e.getAttribute("aria-label") || e.innerText || e.value || "").trim();
        }"""
    )
    return text


async def tab_to(page: Page, wanted: str) -> None:
    """Press Tab until the focused element reads ``wanted`` (then the caller presses Enter)."""
    seen = []
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        text = await focused_text(page)
        if text.startswith(wanted):
            return
        seen.append(text)
    raise AssertionError(f"Tab never reached {wanted!r}; focus went through {seen}")


async def press(page: Page, wanted: str) -> None:
    await tab_to(page, wanted)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


def watch_csp(v: Visitor, violations: list[str]) -> None:
    v.page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )


async def test_the_main_journey_with_the_keyboard_only_and_the_csp_enforced(
    federation: Federation, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    fed = federation
    async with fed.a.runtime.sessionmaker() as session, session.begin():
        brent = await OrgRegistry(session).get("brent")
        rosa = await MemberRepository(session, brent.id).find_one(
            Member.employee_id == MENTEE["employee_id"]
        )
        assert rosa is not None
        await ProfileService(session, rosa).save_mentee(
            topics={"housing": 5, "leadership-management": 4}, open_to_other_orgs=True
        )
    violations: list[str] = []
    mentee = await visitor(browser, contexts, "keyboard-mentee", None)
    watch_csp(mentee, violations)
    page = mentee.page

    await page.goto(fed.a_url + "/")
    await page.keyboard.press("Tab")
    assert await focused_text(page) == "Skip to main content"  # the first stop
    await press(page, "London Borough of Brent")
    await mentee.sign_in_at_idp(MENTEE["sub"])
    # Our stylesheet and the org's theme load under the CSP.
    header = await page.evaluate(
        "getComputedStyle(document.querySelector('.mn-header')).backgroundColor"
    )
    assert header == "rgb(29, 112, 184)"
    await press(page, "Find a mentor")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Find a mentor")
    await press(page, "Ask only this mentor")  # the first, best match
    assert page.url == f"{fed.a_url}/orgs/brent/requests?done=asked"
    await expect(page.get_by_role("table", name="Requests you sent")).to_contain_text(
        "a mentor at Nottingham City Homes"
    )
    await mentee.check("requests-sent")
    assert await fed.deliver(fed.a) == 1
    asked = await fed.asked_mentor()

    mentor = await visitor(browser, contexts, "keyboard-mentor", None)
    watch_csp(mentor, violations)
    mpage = mentor.page
    await mpage.goto(fed.b_url + "/")
    await press(mpage, "Nottingham City Homes")
    await mentor.sign_in_at_idp(asked["sub"])
    await press(mpage, "Requests")
    await press(mpage, "Accept")
    await expect(mpage.get_by_role("heading", level=1)).to_contain_text("Mentoring with")
    await mentor.check("relationship")
    await press(mpage, "Sign out")  # the form's 303 goes on to the IdP's end-session page
    await mpage.locator("button[name=logout]").click()  # the IdP's page asks to confirm
    await expect(mpage.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert violations == []
