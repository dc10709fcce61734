"""A coordinator words one of a scheme's emails in Chromium, axe on each page (issue 17.5): from
the set-up page's "Emails" list to the email's page, an unknown placeholder refused on its
field (nothing saved), a preview of the email as it will be sent, the wording saved, then the
built-in wording restored."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy import select

from orgs.people.roles import Role
from orgs.schemes.email_wording import SchemeEmail, SchemeEmailWording
from orgs.schemes.schemes import Scheme
from tests.e2e.web.conftest import MANAGER, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import error_summary, signed_in
from tests.e2e.web.test_scheme_setup import row, schemes_in


async def wordings(brent: Brent) -> list[tuple[SchemeEmail, str, str]]:
    async with brent.node.runtime.sessionmaker() as session:
        found = await session.scalars(select(SchemeEmailWording))
        return [(w.email, w.subject, w.opening) for w in found]


async def test_a_coordinator_words_previews_saves_and_restores_an_email(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    scheme: Scheme = (await schemes_in(brent_only))[0]
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await page.goto(f"{brent_only.url}/orgs/brent/coordinate/schemes/{scheme.id}/setup")
    await expect(row(page, "Application declined")).to_contain_text("Built-in wording")
    await page.get_by_role(
        "link", name="Change the wording of the email: application declined"
    ).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Wording of the email: application declined"
    )
    await expect(page.get_by_label("Subject")).to_have_value(
        "Your mentoring application was declined"
    )
    await expect(page.locator("#preview-subject")).to_contain_text(
        "Your mentoring application was declined"
    )
    await lena.check("email-wording")

    await page.get_by_label("Subject").fill("News for {surname}")
    await page.get_by_role("button", name="Save the wording").click()
    assert await error_summary(page) == [
        "The subject uses {surname}, which is not a placeholder: use {first_name}, {scheme}, "
        "{organisation}"
    ]
    await expect(page.get_by_label("Subject")).to_have_value("News for {surname}")  # kept
    await expect(page.locator("#email-preview")).to_have_count(0)
    await lena.check("email-wording-error")
    assert await wordings(brent_only) == []  # nothing saved
    # The summary's link takes the person to the field.
    await page.locator(".govuk-error-summary a").click()
    await expect(page.get_by_label("Subject")).to_be_focused()

    await page.get_by_label("Subject").fill("{first_name}, about {scheme}")
    await page.get_by_label("Opening paragraph").fill(
        "Hello {first_name}, thank you for applying to {scheme} at {organisation}."
    )
    await page.get_by_role("button", name="Preview the email").click()
    await expect(page.locator("#preview-subject")).to_have_text(
        f"Subject: Alex, about {scheme.name}"
    )
    body = page.locator("#preview-body")
    await expect(body).to_contain_text(
        f"Hello Alex, thank you for applying to {scheme.name} at London Borough of Brent."
    )
    await expect(body).to_contain_text("You may ask the HR director for an exception.")
    await expect(body).to_contain_text("Sent by MentorNet for London Borough of Brent.")
    await lena.check("email-wording-preview")
    assert await wordings(brent_only) == []  # a preview saves nothing

    await page.get_by_role("button", name="Save the wording").click()
    await expect(page.locator("#done")).to_contain_text("Email wording saved")
    await expect(row(page, "Application declined")).to_contain_text("Your own wording")
    assert await wordings(brent_only) == [
        (
            SchemeEmail.DECLINED,
            "{first_name}, about {scheme}",
            "Hello {first_name}, thank you for applying to {scheme} at {organisation}.",
        )
    ]

    await page.get_by_role(
        "link", name="Change the wording of the email: application declined"
    ).click()
    await expect(page.locator("#built-in")).to_contain_text(
        "Your mentoring application was declined"
    )
    await page.get_by_role("button", name="Restore the built-in wording").click()
    await expect(page.locator("#done")).to_contain_text("Built-in wording restored")
    await expect(row(page, "Application declined")).to_contain_text("Built-in wording")
    await lena.check("email-wording-restored")
    assert await wordings(brent_only) == []
