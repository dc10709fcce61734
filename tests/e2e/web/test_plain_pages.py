"""Issue 17, in Chromium with axe on each page: the member journey on a 375 px phone (no page
wider than the screen, the menu folded away, "Approvals" only for line managers); times typed
and shown in London time with the GOV.UK date input, across British Summer Time; errors in
plain words; a confirmation after each action and a check before ending; a staff import that
warns by name before anyone is marked as a leaver and needs a confirmation to do it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Page,
    ViewportSize,
    expect,
)
from sqlalchemy import select

from orgs.mentoring.meetings import Meeting
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member, MemberStatus
from orgs.people.roles import Role
from orgs.schemes.applications import Application, ApplicationRepository, AppState, Placement
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeForm
from tests.e2e.web.conftest import (
    APPLICANT,
    LOCAL_MENTORS,
    MANAGER,
    MENTEE,
    Brent,
    Visitor,
)
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import error_summary, signed_in

PHONE: ViewportSize = {"width": 375, "height": 740}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


async def phone(
    browser: Browser, contexts: list[BrowserContext], axe: Path, brent: Brent, who: dict[str, str]
) -> Visitor:
    context = await browser.new_context(bypass_csp=True, viewport=PHONE)
    context.set_default_timeout(15_000)
    contexts.append(context)
    v = Visitor(await context.new_page(), f"phone-{who['sub']}", axe)
    await v.page.goto(f"{brent.url}/orgs/brent/login")
    await v.sign_in_at_idp(who["sub"])
    return v


async def fits(v: Visitor, label: str) -> None:
    """axe clean, and the page no wider than the phone: wide tables scroll in their box."""
    width = await v.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label}: the page is {width} px wide"
    await v.check(label)


async def menu(page: Page, name: str) -> None:
    """On a phone the menu is folded: open it, then follow ``name``."""
    nav = page.get_by_role("navigation", name="Your mentoring")
    link = nav.get_by_role("link", name=name, exact=True)
    await expect(link).to_be_hidden()
    await nav.get_by_text("Menu").click()
    await link.click()


async def test_the_member_journey_on_a_phone_in_london_time(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    maya_p = LOCAL_MENTORS[0]
    rosa = await phone(browser, contexts, axe_source, brent_only, MENTEE)
    page = rosa.page
    # Her steps as a task list: applied and approved, profile done, a mentor to find next.
    steps = page.locator(".govuk-task-list li")
    await expect(steps.nth(1)).to_contain_text("Approved")
    await expect(steps.nth(2)).to_contain_text("Done")
    await expect(steps.nth(3)).to_contain_text("Find and ask a mentor Not started")
    await expect(steps.nth(4)).to_contain_text("Cannot start yet")
    await fits(rosa, "home")
    nav = page.get_by_role("navigation", name="Your mentoring")
    await nav.get_by_text("Menu").click()
    await expect(nav.get_by_role("link", name="Find a mentor")).to_be_visible()
    await expect(nav.get_by_role("link", name="Approvals")).to_have_count(0)  # not a manager
    await fits(rosa, "menu-open")
    await nav.get_by_role("link", name="Find a mentor").click()
    await fits(rosa, "suggestions")
    # The message is in one place, above the mentors: a quick ask takes it too.
    await page.get_by_label("A message for the mentor").fill("Help me lead a housing team")
    await page.get_by_role("button", name=re.compile("Ask only this mentor.*Maya")).click()
    await expect(page.locator("#done")).to_contain_text("Request sent")
    sent = page.get_by_role("table", name="Requests you sent")
    await expect(sent).to_contain_text("Waiting for an answer")
    await expect(sent).to_contain_text("Help me lead a housing team")
    await fits(rosa, "requests")
    # What would refuse another request is said before she tries.
    await menu(page, "Find a mentor")
    await expect(page.locator("#blocked")).to_contain_text("your requests are still waiting")
    await expect(page.get_by_role("button", name="Ask the mentors you chose")).to_have_count(0)
    await fits(rosa, "suggestions-blocked")

    maya = await phone(browser, contexts, axe_source, brent_only, maya_p)
    mpage = maya.page
    await menu(mpage, "Requests")
    await fits(maya, "requests-received")
    await mpage.get_by_role("button", name="Accept").click()
    await expect(mpage.locator("#done")).to_contain_text("You accepted the request")
    await expect(mpage.get_by_role("heading", level=1)).to_have_text("Mentoring with Rosa Doyle")
    await fits(maya, "relationship")

    # A meeting planned for a July afternoon: typed in London time (BST), stored in UTC,
    # shown back as typed.
    form = mpage.locator("form", has=mpage.get_by_role("button", name="Add meeting"))
    await form.get_by_label("No, schedule it").check()
    await form.get_by_label("Day").fill("1")
    await form.get_by_label("Month").fill("13")  # not a month
    await form.get_by_label("Year").fill("2030")
    await form.get_by_label("Start time (UK time)").fill("2:30pm")
    await form.get_by_label("How long, in minutes").fill("900")
    await form.get_by_role("button", name="Add meeting").click()
    assert await error_summary(mpage) == ["The date of the meeting must be a real date"]
    await fits(maya, "meeting-error")
    form = mpage.locator("form", has=mpage.get_by_role("button", name="Add meeting"))
    await expect(form.get_by_label("Month")).to_have_value("13")  # kept as typed
    await form.get_by_label("Month").fill("7")
    await form.get_by_role("button", name="Add meeting").click()
    summary = await error_summary(mpage)
    assert summary == ["How long it lasted must be 480 or less"], summary  # words, no "<="
    form = mpage.locator("form", has=mpage.get_by_role("button", name="Add meeting"))
    await form.get_by_label("How long, in minutes").fill("60")
    await form.get_by_role("button", name="Add meeting").click()
    meetings = mpage.get_by_role("table", name="Meetings")
    await expect(meetings).to_contain_text("1 July 2030, 2:30pm")
    await expect(meetings).to_contain_text("Planned")
    async with brent_only.node.runtime.sessionmaker() as session:
        starts = await session.scalar(select(Meeting.starts_at))
    assert starts == datetime(2030, 7, 1, 13, 30, tzinfo=UTC)  # 2:30pm BST is 13:30 UTC
    await fits(maya, "relationship-meeting")

    # The clocks go forward at 1am on 30 March 2031: 1:30am that day never happens.
    form = mpage.locator("form", has=mpage.get_by_role("button", name="Add meeting"))
    await form.get_by_label("No, schedule it").check()
    await form.get_by_label("Day").fill("30")
    await form.get_by_label("Month").fill("March")
    await form.get_by_label("Year").fill("2031")
    await form.get_by_label("Start time (UK time)").fill("01:30")
    await form.get_by_label("How long, in minutes").fill("60")
    await form.get_by_role("button", name="Add meeting").click()
    assert (await error_summary(mpage))[0].startswith(
        "01:30 on 30 March 2031 does not exist: the clocks go forward"
    )
    async with brent_only.node.runtime.sessionmaker() as session:
        assert len((await session.scalars(select(Meeting))).all()) == 1  # nothing added

    # Ending: the answers are checked first; it happens only on the second press.
    await page.reload()
    await menu(page, "Home")
    await page.get_by_role("link", name="Maya Zielinski").click()
    await page.get_by_text("End this mentoring, or ask for a different mentor").click()
    await page.get_by_label("It is not a good fit").check()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check before you end the mentoring"
    )
    await expect(page.locator("#answers")).to_contain_text("It is not a good fit")
    await fits(rosa, "end-check")
    async with brent_only.node.runtime.sessionmaker() as session:
        rel = await session.scalar(select(Relationship))
        assert rel is not None
        assert rel.state.value != "ended"  # not yet
    await page.get_by_role("button", name="End the mentoring").click()
    await expect(page.locator("#done")).to_contain_text("The mentoring has ended")
    await expect(page.locator(".govuk-summary-list").first).to_contain_text("Ended")
    await fits(rosa, "ended")


async def test_approvals_show_for_line_managers_only(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    nav = lena.page.get_by_role("navigation", name="Your mentoring")
    await expect(nav.get_by_role("link", name="Approvals")).to_be_visible()  # Amir reports
    umar = await signed_in(browser, contexts, axe_source, brent_only, LOCAL_MENTORS[1])
    nav = umar.page.get_by_role("navigation", name="Your mentoring")
    await expect(nav.get_by_role("link", name="Requests")).to_be_visible()
    await expect(nav.get_by_role("link", name="Approvals")).to_have_count(0)


async def test_a_mentor_profile_error_names_the_field_in_words_and_sector_is_chosen(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    maya = await signed_in(browser, contexts, axe_source, brent_only, LOCAL_MENTORS[0])
    page = maya.page
    await page.goto(f"{brent_only.url}/orgs/brent/profile/mentor")
    await page.get_by_label("How many mentees can you take at once?").fill("11")
    await page.get_by_label("Sector (optional)").select_option(label="Fire and rescue")
    await page.get_by_label("Region (optional)").select_option(label="Yorkshire and the Humber")
    await page.get_by_role("button", name="Save your mentor profile").click()
    summary = await error_summary(page)
    assert summary == ["How many mentees at once must be 0–10 mentees at once"], summary
    await expect(page.get_by_label("Sector (optional)")).to_have_value("fire-and-rescue")
    await maya.check("mentor-profile-error")
    await page.get_by_label("How many mentees can you take at once?").fill("2")
    await page.get_by_role("button", name="Save your mentor profile").click()
    await expect(page.locator("#done")).to_contain_text("Mentor profile saved")
    await maya.check("mentor-profile-saved")


STAFF = "employee_id,email,given_name,family_name\nB0009,amir.haddad@brent.example,Amir,Haddad\n"


async def test_a_staff_import_warns_by_name_and_marks_leavers_only_when_confirmed(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, APPLICANT["sub"], Role.ORG_ADMIN)
    amir = await signed_in(browser, contexts, axe_source, brent_only, APPLICANT)
    page = amir.page
    await page.goto(f"{brent_only.url}/orgs/brent/admin/staff-import")
    await expect(page.locator("#complete-list")).to_contain_text("complete list of your staff")

    async def send(*, dry_run: bool, confirm: bool) -> None:
        await page.get_by_label("Staff export (CSV)").set_input_files(
            files=FilePayload(name="staff.csv", mimeType="text/csv", buffer=STAFF.encode())
        )
        await page.get_by_label("Check the file without saving anything").set_checked(dry_run)
        await page.get_by_label("I confirm that everyone not in this file has left").set_checked(
            confirm
        )
        await page.get_by_role("button", name="Import").click()

    async def leavers() -> int:
        async with brent_only.node.runtime.sessionmaker() as session:
            left = await session.scalars(select(Member).where(Member.status == MemberStatus.LEFT))
            return len(left.all())

    # A dry run of a one-row file: a warning (not a green panel) with the count and names.
    await send(dry_run=True, confirm=False)
    await expect(page.locator("#leavers-warning")).to_contain_text(
        "4 people would be marked as having left"
    )
    listed = page.locator("#leavers")
    for person in (MANAGER, MENTEE, *LOCAL_MENTORS):
        await expect(listed).to_contain_text(f"{person['given_name']} {person['family_name']}")
    await expect(page.locator(".govuk-panel--confirmation")).to_have_count(0)
    await amir.check("import-dry-run-leavers")
    assert await leavers() == 0

    # The real import is refused without the confirmation, naming the people again.
    await send(dry_run=False, confirm=False)
    assert await error_summary(page) == [
        "Confirm that the 4 people not in the file have left, or do a dry run first"
    ]
    await expect(page.locator("#leavers")).to_contain_text("Rosa Doyle (B0008)")
    await amir.check("import-needs-confirmation")
    assert await leavers() == 0  # re-read: nobody marked

    await send(dry_run=False, confirm=True)
    await expect(page.locator("#leavers-warning")).to_contain_text(
        "4 people were marked as having left"
    )
    assert await leavers() == 4


BAD_ROWS = (
    "employee_id,email,given_name,family_name\n"
    "B0100,new.person@brent.example,New,Person\n"
    "B0100,other@brent.example,Same,Id\n"
)


async def test_import_errors_are_numbered_as_in_the_spreadsheet(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, APPLICANT["sub"], Role.ORG_ADMIN)
    amir = await signed_in(browser, contexts, axe_source, brent_only, APPLICANT)
    page = amir.page
    await page.goto(f"{brent_only.url}/orgs/brent/admin/staff-import")
    await page.get_by_label("Staff export (CSV)").set_input_files(
        files=FilePayload(name="staff.csv", mimeType="text/csv", buffer=BAD_ROWS.encode())
    )
    await page.get_by_label("Check the file without saving anything").check()
    await page.get_by_role("button", name="Import").click()
    row = page.locator("#error-report tbody tr").first
    await expect(row.locator("td").nth(0)).to_have_text("3")  # the header is row 1
    await expect(row.locator("td").nth(2)).to_contain_text("first on row 2")
    await amir.check("import-rows")


async def test_a_move_refused_by_the_service_says_so_in_plain_words(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await page.goto(f"{brent_only.url}/orgs/brent/coordinate/")
    await page.get_by_role("link", name="London Borough of Brent Mentoring", exact=True).click()
    await page.get_by_label("Minimum score").fill("0")
    await page.get_by_role("button", name="Run matching").click()
    run_url = page.url
    pair = page.locator(".govuk-summary-card h3")
    before = await pair.inner_text()
    # Someone who is not a mentor of this run (a stale page, a tampered form): Lena herself.
    await page.get_by_label("Mentee").select_option(label="Rosa Doyle")
    await page.evaluate(
        "id => { const o = document.querySelector('#mentor option:nth-child(2)');"
        " o.value = id; o.selected = true; }",
        str(brent_only.people[MANAGER["sub"]]),
    )
    await page.get_by_role("button", name="Move").click()
    summary = " ".join(await error_summary(page))
    assert "not a mentor of this run" in summary, summary
    assert "moves[" not in summary
    assert not UUID.search(summary), summary
    await lena.check("move-refused")
    await page.goto(run_url)
    await expect(pair).to_have_text(before)  # re-read: the pair did not change


async def test_a_coordinator_page_with_charts_and_tables_fits_a_phone(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await phone(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await menu(page, "Coordinate")
    await page.get_by_role("link", name="London Borough of Brent Mentoring", exact=True).click()
    await fits(lena, "scheme")  # the applicants table scrolls inside its box
    table_box = page.locator("#applicants + .mn-table-wrap")
    scrolls = await table_box.evaluate("e => e.scrollWidth > e.clientWidth")
    assert scrolls, "the applicants table should scroll sideways in its own box"
    # Chart text stays readable: at least 14 px on screen, in the page's (sans-serif) font.
    text = page.locator("#funnel text").first
    size = await text.evaluate("e => e.getBoundingClientRect().height")
    assert size >= 14, f"chart text is {size} px high"
    family = await text.evaluate("e => getComputedStyle(e).fontFamily")
    assert "system-ui" in family, family
    await page.get_by_role("link", name="Relationship health").click()
    await fits(lena, "health")


async def test_a_coordinator_offers_a_place_from_the_waiting_list(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    amir_id = brent_only.people[APPLICANT["sub"]]

    async def places(n: int) -> None:
        async with brent_only.node.runtime.sessionmaker() as session, session.begin():
            scheme = await session.scalar(select(Scheme))
            assert scheme is not None
            scheme.form, scheme.mentee_places = SchemeForm.COHORT, n

    async def amirs_place() -> Placement:
        async with brent_only.node.runtime.sessionmaker() as session:
            app = await session.scalar(select(Application).where(Application.member_id == amir_id))
            assert app is not None
            return app.placement

    await places(1)
    async with brent_only.node.runtime.sessionmaker() as session, session.begin():
        amir = await session.get_one(Member, amir_id)
        scheme = await session.scalar(select(Scheme))
        assert scheme is not None
        ApplicationRepository(session, amir.org_id).add(
            Application(
                scheme_id=scheme.id,
                member_id=amir_id,
                role=SchemeRole.MENTEE,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=[],
            )
        )
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await page.goto(f"{brent_only.url}/orgs/brent/coordinate/")
    await page.get_by_role("link", name="London Borough of Brent Mentoring", exact=True).click()
    await page.get_by_role("checkbox", name="Rosa Doyle").check()
    await page.get_by_role("button", name="Save the shortlist").click()
    assert await amirs_place() is Placement.WAITING
    await (
        page.locator("#applicants + .mn-table-wrap").get_by_role("link", name="Amir Haddad").click()
    )
    await expect(page.locator("#application")).to_contain_text("On the waiting list, position 1")
    await lena.check("application-waiting")
    await page.get_by_role("button", name="Offer a place").click()  # the one place is Rosa's
    assert await error_summary(page) == [
        "All 1 mentee places are offered. Take someone off the shortlist on the scheme page first."
    ]
    assert await amirs_place() is Placement.WAITING  # re-read: unchanged
    await lena.check("promote-refused")
    await places(2)
    await page.get_by_role("button", name="Offer a place").click()
    await expect(page.locator("#done")).to_contain_text("Place offered")
    await expect(page.locator("#application")).to_contain_text("Offered a place")
    assert await amirs_place() is Placement.OFFERED
    await lena.check("promoted")
