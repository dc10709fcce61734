"""The coordinator's and org admin's pages in a real browser, axe on each: applicants with
eligibility, a matching run with "why this match", a pair moved, the run published; rules
previewed without saving, and a staff import refused with its error report."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, FilePayload, expect

from orgs.people.members import Member
from orgs.people.roles import MemberRole, Role, RoleSource
from tests.e2e.web.conftest import APPLICANT, LOCAL_MENTORS, MANAGER, MENTEE, Brent
from tests.e2e.web.test_local_journeys import error_summary, nav, signed_in

MAYA, UMAR = (f"{m['given_name']} {m['family_name']}" for m in LOCAL_MENTORS)
SCHEME = "London Borough of Brent Mentoring"
ROSA = f"{MENTEE['given_name']} {MENTEE['family_name']}"
RULES = """mentee:
  - rule: housing-only
    excludes: Only housing staff
    admits: In housing
    equals: {attribute: job_title, value: Housing Officer}
"""
CSV = (
    "employee_id,email,given_name,family_name\n"
    "B0100,new.person@brent.example,New,Person\n"
    "B0101,,Bad,Row\n"
)


async def grant(brent: Brent, sub: str, role: Role) -> None:
    """A role given by hand (an org admin or the CLI would), kept across sign-ins."""
    async with brent.node.runtime.sessionmaker() as session, session.begin():
        member = await session.get_one(Member, brent.people[sub])
        session.add(
            MemberRole(
                org_id=member.org_id, member_id=member.id, role=role, source=RoleSource.MANUAL
            )
        )


async def test_coordinator_runs_matching_adjusts_and_publishes(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await nav(page, "Coordinate")
    await lena.check("coordinate")
    await page.get_by_role("link", name=SCHEME, exact=True).click()
    applicants = page.locator("#applicants + .mn-table-wrap table")
    await expect(applicants.get_by_role("row", name=ROSA)).to_contain_text("Approved")
    await expect(applicants.get_by_role("row", name=ROSA)).to_contain_text("Eligible")
    await expect(page.locator("#funnel title")).to_have_text(
        "Pipeline: from application to completion"
    )
    await lena.check("scheme")
    await applicants.get_by_role("link", name=ROSA).click()  # the applicant's application
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{ROSA}, as a mentee")
    await expect(page.locator("#application")).to_contain_text("Approved")
    await lena.check("application")
    await page.get_by_role("link", name="Back to the applicants").click()

    await page.get_by_label("Minimum score").fill("lots")  # refused, nothing lost
    await page.get_by_label("Stable").check()
    await page.get_by_role("button", name="Run matching").click()
    assert len(await error_summary(page)) == 1
    await expect(page.get_by_label("Stable")).to_be_checked()
    await lena.check("run-error")
    await page.get_by_label("Minimum score").fill("0")
    await page.get_by_role("button", name="Run matching").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Matching run")
    pair = page.locator(".govuk-summary-card").first
    await expect(pair.get_by_role("heading", level=3)).to_have_text(f"{ROSA} with {MAYA}")
    await expect(pair.get_by_role("heading", name="Why this match")).to_be_visible()
    assert await pair.locator("li").count() >= 1
    await lena.check("run")

    await page.get_by_role("button", name="Move").click()  # nothing chosen
    assert await error_summary(page) == [
        "Choose the mentee to move",
        "Choose a mentor or the waiting list",
    ]
    await lena.check("move-error")
    await page.get_by_label("Mentee").select_option(label=ROSA)
    await page.get_by_label("Move to").select_option(label=UMAR)
    await page.get_by_role("button", name="Move").click()
    await expect(page.locator(".govuk-summary-card h3")).to_have_text(f"{ROSA} with {UMAR}")
    await expect(page.locator(".govuk-summary-card")).to_contain_text("Moved by the coordinator")
    # Check the pairs first: publishing cannot be undone.
    await page.get_by_role("button", name="Check the pairs and publish").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the pairs before publishing them"
    )
    await expect(page.locator("#items")).to_contain_text(f"{ROSA} with {UMAR}")
    await lena.check("publish-check")
    await page.get_by_role("button", name="Publish the pairs").click()
    await expect(page.locator("#done")).to_contain_text("Pairs published")
    await expect(page.get_by_text(f"{ROSA} asked {UMAR}: request sent")).to_be_visible()
    await lena.check("published")

    await page.goto(page.url.split("/coordinate/")[0] + "/coordinate/")
    await page.get_by_role("link", name=SCHEME, exact=True).click()
    await page.get_by_role("link", name="Relationship health").click()
    await lena.check("health")
    await page.go_back()
    await page.get_by_role("link", name="Evaluation results").click()
    await expect(page.get_by_text("fewer than 5").first).to_be_visible()
    await lena.check("results")
    await page.go_back()
    await page.get_by_role("link", name="Who the scheme reached").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Who the scheme reached")
    await lena.check("equality")

    # Not an org admin: the admin pages are refused with the friendly page.
    response = await page.goto(f"{brent_only.url}/orgs/brent/admin/")
    assert response is not None
    assert response.status == 403
    await lena.check("admin-refused")


async def test_org_admin_previews_rules_and_sees_the_import_error_report(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, APPLICANT["sub"], Role.ORG_ADMIN)
    amir = await signed_in(browser, contexts, axe_source, brent_only, APPLICANT)
    page = amir.page
    await nav(page, "Administer")
    await amir.check("admin")
    await page.get_by_role(
        "link", name="Eligibility rules for London Borough of Brent Mentoring"
    ).click()
    await amir.check("rules")
    await page.get_by_role("link", name="Edit as YAML").click()
    await amir.check("rules-yaml")
    await page.get_by_label("Rules (YAML)").fill(RULES)
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator("#preview")).to_have_text("Preview of these rules (not saved)")
    await expect(page.get_by_role("row", name="In housing")).to_be_visible()  # its own words
    await expect(page.get_by_text("No rules yet")).to_be_visible()  # nothing saved
    await expect(page.get_by_label("Rules (YAML)")).to_contain_text("housing-only")
    await amir.check("rules-preview")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Version 1 is in force")).to_be_visible()

    await nav(page, "Administer")
    await page.get_by_role("link", name="Import staff").click()
    await amir.check("import")
    await page.get_by_label("Staff export (CSV)").set_input_files(
        files=FilePayload(name="staff.csv", mimeType="text/csv", buffer=CSV.encode())
    )
    await page.get_by_role("button", name="Import").click()
    report = page.locator("#error-report")
    await expect(report).to_be_visible()
    row = report.locator("tbody tr").first
    await expect(row.locator("td").nth(0)).to_have_text("3")  # as in the spreadsheet: header 1
    await expect(row.locator("td").nth(1)).to_have_text("email")
    assert (await error_summary(page))[0].endswith("nothing was imported.")
    await amir.check("import-errors")
