"""The HR director's exceptions, through pages with axe on each: an applicant whose line
manager declined asks for an exception at /exceptions (the route the decline promises), the
HR director refuses to decide without a reason (nothing changes), then grants it."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy import select

from orgs.people.members import Member
from orgs.people.roles import Role
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from tests.e2e.web.conftest import APPLICANT, LOCAL_MENTORS, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import error_summary, signed_in


async def declined(brent: Brent) -> Application:
    """Amir's mentee application, declined by his line manager, in Brent's scheme."""
    async with brent.node.runtime.sessionmaker() as session, session.begin():
        scheme_id = await session.scalar(select(Application.scheme_id).limit(1))
        assert scheme_id is not None
        amir = await session.get_one(Member, brent.people[APPLICANT["sub"]])
        app = ApplicationRepository(session, amir.org_id).add(
            Application(
                scheme_id=scheme_id,
                member_id=brent.people[APPLICANT["sub"]],
                role=SchemeRole.MENTEE,
                state=AppState.DECLINED,
                eligible=True,
                eligibility_reasons=[],
                decision_reason="Our busiest quarter",
            )
        )
        await session.flush()
        return app


async def state_of(brent: Brent, app: Application) -> AppState:
    async with brent.node.runtime.sessionmaker() as session:
        return (await session.get_one(Application, app.id)).state


async def test_an_exception_is_asked_for_and_granted_with_reasons(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    app = await declined(brent_only)
    amir = await signed_in(browser, contexts, axe_source, brent_only, APPLICANT)
    page = amir.page
    await page.get_by_role("link", name="Ask the HR director for an exception").click()
    assert page.url == f"{brent_only.url}/orgs/brent/exceptions"
    await expect(page.locator("#yours ~ .govuk-summary-card")).to_contain_text(
        "Our busiest quarter"
    )
    await amir.check("exceptions")
    await page.get_by_role("button", name="Ask for an exception").click()  # no reason
    assert await error_summary(page) == ["Enter why an exception should be made"]
    assert await state_of(brent_only, app) is AppState.DECLINED  # re-read: unchanged
    await amir.check("exceptions-error")
    await page.get_by_label("Why should an exception be made?").fill("The work is light then")
    await page.get_by_role("button", name="Ask for an exception").click()
    await expect(page.locator("#done")).to_contain_text("Exception asked for")
    await expect(page.locator("#yours ~ .govuk-summary-card")).to_contain_text(
        "Exception asked for"
    )
    await expect(page.get_by_role("button", name="Ask for an exception")).to_have_count(0)

    umar_p = LOCAL_MENTORS[1]
    await grant(brent_only, umar_p["sub"], Role.HR_DIRECTOR)
    hr = await signed_in(browser, contexts, axe_source, brent_only, umar_p)
    hpage = hr.page
    await hpage.goto(f"{brent_only.url}/orgs/brent/exceptions")
    form = hpage.locator("form", has_text="Amir Haddad")
    await expect(form).to_contain_text("The work is light then")
    await expect(form).to_contain_text("Our busiest quarter")
    await hr.check("exceptions-to-decide")
    await form.get_by_label("Grant the exception").check()
    await form.get_by_role("button", name="Send decision").click()  # no reason
    assert await error_summary(hpage) == ["Enter the reason for your decision"]
    assert await state_of(brent_only, app) is AppState.EXCEPTION_REQUESTED  # unchanged
    form = hpage.locator("form", has_text="Amir Haddad")
    await expect(form.get_by_label("Grant the exception")).to_be_checked()  # kept
    await form.get_by_label("Your reason").fill("A quiet quarter for repairs")
    await form.get_by_role("button", name="Send decision").click()
    await expect(hpage.locator("#done")).to_contain_text("Decision sent")
    await expect(hpage.get_by_text("No exception is waiting for your decision.")).to_be_visible()
    await hr.check("exceptions-decided")
    assert await state_of(brent_only, app) is AppState.EXCEPTION_GRANTED

    await page.goto(f"{brent_only.url}/orgs/brent/")
    await expect(page.locator(".govuk-summary-list").last).to_contain_text("Exception granted")
