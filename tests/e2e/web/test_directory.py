"""Issue 17.2, in Chromium with axe on each page: a Brent mentee browses the mentor directory
(her organisation's mentors and Nottingham City Homes' cards from node B in one list), pages
through it, filters it without JavaScript, goes to and from her best matches, opens a remote
mentor's page (the card, no name) and asks that mentor with a message, which reaches node B;
and the directory and a mentor's page fit a 375 px phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy import select

from orgs.models import Org
from orgs.pairing.requests import MentoringRequest
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.schemes.eligibility import SchemeRole
from tests.e2e.web.conftest import MENTEE, MENTORS, Federation, Visitor, _person, visitor
from tests.e2e.web.test_keyboard import press, tab_to, watch_csp
from tests.e2e.web.test_member_journey import nav
from tests.e2e.web.test_plain_pages import PHONE, fits

#: Eight Brent mentors besides the five NCH cards: thirteen in all, two pages of ten.
BRENT_MENTORS: list[dict[str, Any]] = [
    {
        "given_name": f"Local{i}",
        "family_name": "Mentor",
        "employee_id": f"B01{i}",
        "topics": {"finance" if i < 3 else "housing": 3, "leadership-management": 1 + i % 3},
    }
    for i in range(8)
]


async def _brent_side(fed: Federation) -> None:
    """Rosa's mentee profile (open to other organisations) and Brent's own mentors."""
    async with fed.a.runtime.sessionmaker() as session, session.begin():
        brent = await session.scalar(select(Org.id).where(Org.slug == "brent"))
        assert brent is not None
        rosa_id = await session.scalar(
            select(Member.id).where(Member.employee_id == MENTEE["employee_id"])
        )
        assert rosa_id is not None
        rosa = await MemberRepository(session, brent).get(rosa_id)
        await ProfileService(session, rosa).save_mentee(
            topics={"housing": 5, "leadership-management": 4}, open_to_other_orgs=True
        )
    for person in BRENT_MENTORS:
        await _person(fed.a, brent, fed.scheme_a, person, SchemeRole.MENTOR, "brent.example")


async def _sign_in(v: Visitor, fed: Federation) -> None:
    await v.page.goto(f"{fed.a_url}/orgs/brent/login")
    await v.sign_in_at_idp(MENTEE["sub"])


async def test_browse_filter_page_and_ask_a_remote_mentor_from_their_page(
    federation: Federation, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    fed = federation
    await _brent_side(fed)
    rosa = await visitor(browser, contexts, "directory", axe_source)
    page = rosa.page
    await _sign_in(rosa, fed)
    await nav(page, "Mentor directory")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mentor directory")
    await expect(page.locator("#count")).to_contain_text("13 mentors")
    await expect(page.locator("#count")).to_contain_text("Page 1 of 2")
    rows = page.locator("#mentors .mn-mentor")
    await expect(rows).to_have_count(10)
    # Each row says band, meeting modes and topics offered, not just the organisation.
    first = rows.first
    for fact in ("Seniority", "Meets", "Topics offered"):
        await expect(first.locator(".mn-facts")).to_contain_text(fact)
    await expect(first.locator(".mn-why-short")).not_to_be_empty()
    for person in MENTORS:  # NCH mentors: never a name before acceptance
        await expect(page.locator("main")).not_to_contain_text(person["given_name"])
    await rosa.check("directory")

    # Paging (GOV.UK pagination), and back.
    pagination = page.get_by_role("navigation", name="Pages of mentors")
    await pagination.get_by_role("link", name="Next page").click()
    await expect(page.locator("#count")).to_contain_text("Page 2 of 2")
    await expect(rows).to_have_count(3)
    await expect(pagination.get_by_role("link", name="Page 2")).to_have_attribute(
        "aria-current", "page"
    )
    await rosa.check("directory-page-2")
    await pagination.get_by_role("link", name="Previous page").click()
    await expect(rows).to_have_count(10)

    # Filters: a GET form, so the choice is in the address and works without JavaScript.
    await page.get_by_label("Organisation").select_option(value=f"nch@{fed.b_url}")
    await page.get_by_role("button", name="Apply filters").click()
    assert "organisation=nch%40" in page.url
    await expect(page.locator("#count")).to_have_text("5 mentors match your filters")
    await expect(rows).to_have_count(5)
    await expect(page.get_by_role("navigation", name="Pages of mentors")).to_have_count(0)
    for k in range(5):
        await expect(rows.nth(k)).to_contain_text("A mentor at Nottingham City Homes")
    references = {await r.locator("label").inner_text() for r in await rows.all()}
    assert len(references) == 5  # alike by design, yet told apart by their reference
    await rosa.check("directory-nch")
    await page.get_by_role("link", name="Clear filters").click()
    await page.get_by_label("Topic").select_option(label="Finance")
    await page.get_by_label("How you meet").select_option(label="In person")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.locator("#count")).to_have_text("3 mentors match your filters")
    await expect(page.locator("#mentors")).not_to_contain_text("Nottingham City Homes")
    await page.get_by_role("link", name="Clear filters").click()
    await expect(page.locator("#count")).to_contain_text("13 mentors")

    # To the ranked suggestions and back.
    await page.get_by_role("link", name="your ten best matches").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Find a mentor")
    await nav(page, "Mentor directory")

    # A remote mentor's page: the card, nothing identifying; ask with a message from there.
    await page.get_by_label("Organisation").select_option(value=f"nch@{fed.b_url}")
    await page.get_by_role("button", name="Apply filters").click()
    await rows.first.get_by_role("link", name=re.compile("See this mentor")).click()
    assert "/orgs/brent/mentors/card/" in page.url
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "A mentor at Nottingham City Homes"
    )
    await expect(page.locator("#facts")).to_contain_text("Topics offered")
    await expect(page.locator("main")).to_contain_text("Free now:")
    for person in MENTORS:
        await expect(page.locator("main")).not_to_contain_text(person["given_name"])
        await expect(page.locator("main")).not_to_contain_text(person["family_name"])
    await page.locator("#why summary").click()
    await expect(page.locator("#why li").first).to_be_visible()
    await rosa.check("directory-mentor")
    await page.get_by_label("A message for this mentor").fill("I would like to lead a team.")
    await page.get_by_role("button", name="Ask this mentor").click()
    assert page.url == f"{fed.a_url}/orgs/brent/requests?done=asked"
    await expect(page.locator("#done")).to_contain_text("Request sent")
    assert await fed.deliver(fed.a) == 1  # request.create reaches node B
    async with fed.b.runtime.sessionmaker() as session:
        messages = list(await session.scalars(select(MentoringRequest.message)))
    assert messages == ["I would like to lead a team."]
    await fed.asked_mentor()  # exactly one NCH mentor was asked

    # Back on the directory, what blocks another request is said before she acts.
    await nav(page, "Mentor directory")
    await expect(page.locator("#blocked")).to_contain_text("your requests are still waiting")
    await expect(page.get_by_role("button", name="Ask the mentors you chose")).to_have_count(0)
    await rosa.check("directory-blocked")


async def test_the_directory_fits_a_phone_and_filters_by_keyboard_under_the_csp(
    federation: Federation, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    fed = federation
    await _brent_side(fed)
    context = await browser.new_context(bypass_csp=True, viewport=PHONE)
    context.set_default_timeout(15_000)
    contexts.append(context)
    rosa = Visitor(await context.new_page(), "phone-directory", axe_source)
    page = rosa.page
    await _sign_in(rosa, fed)
    await page.goto(f"{fed.a_url}/orgs/brent/mentors/?page=2")
    await expect(page.locator("#count")).to_contain_text("Page 2 of 2")
    await fits(rosa, "directory")
    await (
        page.locator("#mentors .mn-mentor")
        .first.get_by_role("link", name=re.compile("See this mentor"))
        .click()
    )
    await expect(page.get_by_role("button", name="Ask this mentor")).to_be_visible()
    await fits(rosa, "directory-mentor")

    # Keyboard only, the CSP enforced (no axe injected): filter, then open a mentor's page.
    keys = await visitor(browser, contexts, "keyboard-directory", None)
    violations: list[str] = []
    watch_csp(keys, violations)
    await _sign_in(keys, fed)
    kpage = keys.page
    await kpage.goto(f"{fed.a_url}/orgs/brent/mentors/")
    await tab_to(kpage, "Any topic")  # the topic list (a select reads as its options)
    await kpage.keyboard.type("Finance")  # the browser's own type-ahead
    await press(kpage, "Apply filters")
    assert "topic=finance" in kpage.url
    await expect(kpage.locator("#count")).to_have_text("3 mentors match your filters")
    await press(kpage, "See this mentor")
    await expect(kpage.get_by_role("button", name="Ask this mentor")).to_be_visible()
    assert violations == []
