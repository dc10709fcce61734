"""The guided rules editor in a real browser, axe on each state: a coordinator builds rules
from lists, is refused a length of service that is not a number (the error summary names the
rule and the field; nothing saved), removes and reorders rules, previews the counts against
the five Brent staff, and saves a new version."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect

from orgs.people.roles import Role
from tests.e2e.web.conftest import MANAGER, Brent
from tests.e2e.web.test_coordinator_admin import SCHEME, grant
from tests.e2e.web.test_local_journeys import error_summary, nav, signed_in


async def test_coordinator_builds_previews_and_saves_rules(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await nav(page, "Coordinate")
    await page.get_by_role("link", name=SCHEME, exact=True).click()
    await page.get_by_role("link", name="Eligibility rules").click()
    await expect(page.get_by_text("No rules yet")).to_be_visible()
    await expect(page.get_by_role("link", name="Edit as YAML")).to_have_count(0)  # admins'
    await lena.check("rules-guided")

    add = page.get_by_role("button", name="Add another rule for mentees")
    await page.get_by_label("Add a rule for mentees about").select_option(label="Job title")
    await add.click()
    first = page.locator("#mentee-0-rule")
    await expect(first.locator(":scope > legend")).to_have_text("Rule 1 for mentees: Job title")
    await first.get_by_label("Job title", exact=True).select_option(label="is one of")
    await first.get_by_label("Housing Officer").check()  # a value from the staff data
    await first.get_by_label("Who this rule lets in, in plain words").fill("Housing officers")
    await page.get_by_label("Add a rule for mentees about").select_option(label="Length of service")
    await add.click()
    second = page.locator("#mentee-1-rule")
    await second.get_by_label("Months of service").fill("twelve")
    await second.get_by_label("Who this rule lets in, in plain words").fill("A year's service")
    await page.get_by_label("Add a rule for mentees about").select_option(label="School-based")
    await add.click()
    third = page.locator("#mentee-2-rule")
    await third.get_by_label("Who this rule lets in, in plain words").fill("Not school-based")
    await page.get_by_role("button", name="Save", exact=True).click()
    assert await error_summary(page) == [
        "Rule 2 for mentees: enter the length of service as a whole number of months, "
        "from 0 to 600, like 12"
    ]
    await expect(page.get_by_text("No rules yet")).to_be_visible()  # nothing saved
    await expect(second.get_by_label("Months of service")).to_have_value("twelve")
    await lena.check("rules-guided-error")

    await page.get_by_role("button", name="Remove rule 2 for mentees").click()
    await page.get_by_role("button", name="Move up rule 2 for mentees").click()
    await expect(page.locator("#mentee-0-rule > legend")).to_have_text(
        "Rule 1 for mentees: School-based"
    )
    await expect(
        page.locator("#mentee-1-rule").get_by_label("Housing Officer")
    ).to_be_checked()  # the rule moved with its answers
    await page.get_by_role("button", name="Preview", exact=True).click()
    await expect(page.locator("#preview")).to_have_text("Preview of these rules (not saved)")
    table = page.locator("#preview-mentee")
    await expect(table.locator("caption")).to_have_text(
        "As a mentee: 3 of 5 current staff eligible, 2 not eligible"
    )
    await expect(table.get_by_role("row", name="Housing officers")).to_contain_text("3")
    await expect(table.get_by_role("row", name="Not school-based")).to_contain_text("5")
    await expect(page.get_by_text("No rules yet")).to_be_visible()
    await lena.check("rules-guided-preview")

    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator("#done")).to_contain_text("Saved")
    await expect(page.get_by_text("Version 1 is in force")).to_be_visible()
    await expect(page.locator("#mentee-0-rule > legend")).to_have_text(
        "Rule 1 for mentees: School-based"
    )
    await lena.check("rules-guided-saved")
