"""A coordinator sets up a cohort scheme through the pages, axe on each (issue 17.5): the form
with GOV.UK date inputs, errors that name each field in words (and change nothing), check your
answers (and back to change them), the set-up page with its confirmation, a training session,
a change of details refused then saved; a member without the role is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy import func, select

from orgs.mentoring.evaluations import Questionnaire
from orgs.people.roles import Role
from orgs.schemes.schemes import Scheme, SchemeTraining
from tests.e2e.web.conftest import MANAGER, MENTEE, Brent
from tests.e2e.web.test_coordinator_admin import grant
from tests.e2e.web.test_local_journeys import error_summary, nav, signed_in


async def fill_date(page: Page, name: str, day: str, month: str, year: str) -> None:
    group = page.locator(f"#{name}-group")
    await group.get_by_label("Day").fill(day)
    await group.get_by_label("Month").fill(month)
    await group.get_by_label("Year").fill(year)


async def schemes_in(brent: Brent) -> list[Scheme]:
    async with brent.node.runtime.sessionmaker() as session:
        return list(await session.scalars(select(Scheme).order_by(Scheme.slug)))


async def spring(brent: Brent) -> Scheme:
    return next(s for s in await schemes_in(brent) if s.slug == "spring-cohort")


async def questionnaires(brent: Brent) -> list[list[dict[str, str]]]:
    async with brent.node.runtime.sessionmaker() as session:
        return [q.questions for q in await session.scalars(select(Questionnaire))]


def row(page: Page, key: str) -> Locator:
    return page.locator(".govuk-summary-list__row", has=page.get_by_text(key, exact=True))


async def test_a_coordinator_creates_and_sets_up_a_cohort_scheme(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    await grant(brent_only, MANAGER["sub"], Role.COORDINATOR)
    before = [s.slug for s in await schemes_in(brent_only)]
    lena = await signed_in(browser, contexts, axe_source, brent_only, MANAGER)
    page = lena.page
    await nav(page, "Coordinate")
    await page.get_by_role("button", name="Create a scheme").click()  # a start-button link
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create a scheme")
    await lena.check("scheme-new")

    await page.get_by_role("button", name="Continue").click()  # nothing typed
    assert await error_summary(page) == [
        "Enter the name of the scheme",
        "Enter a short name for web addresses, like spring-cohort",
    ]
    await lena.check("scheme-new-errors")
    await page.get_by_label("Name of the scheme").fill("Spring cohort 2027")
    await page.get_by_label("Short name").fill("spring-cohort")
    await page.get_by_label("A cohort programme").check()
    await fill_date(page, "applications_open_on", "1", "2", "2027")
    await fill_date(page, "applications_close_on", "28", "2", "2027")
    await page.get_by_role("button", name="Continue").click()
    assert await error_summary(page) == [
        "Enter the start date: a cohort programme needs it",
        "Enter the end date: a cohort programme needs it",
        "Enter the mentor places: a cohort programme needs it",
        "Enter the mentee places: a cohort programme needs it",
    ]
    await expect(page.get_by_label("A cohort programme")).to_be_checked()  # nothing lost
    # The summary's link takes the person to the field (the date input's day box).
    await page.locator(".govuk-error-summary a", has_text="start date").click()
    await expect(page.locator("#starts_on")).to_be_focused()
    await fill_date(page, "starts_on", "1", "March", "2027")  # a month by name is fine
    await fill_date(page, "ends_on", "1", "2", "2027")
    await page.get_by_label("Mentee places").fill("10")
    await page.get_by_label("Mentor places").fill("ten")
    await page.get_by_role("button", name="Continue").click()
    assert await error_summary(page) == ["Mentor places must be a whole number, like 12"]
    await page.get_by_label("Mentor places").fill("10")
    await page.get_by_role("button", name="Continue").click()
    assert await error_summary(page) == ["The end date must be after the start date"]
    await lena.check("scheme-new-date-error")
    assert [s.slug for s in await schemes_in(brent_only)] == before  # nothing made yet
    await fill_date(page, "ends_on", "30", "11", "2027")
    await page.get_by_role("button", name="Continue").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the scheme before you create it"
    )
    await expect(row(page, "Start date")).to_contain_text("1 March 2027")
    await expect(row(page, "How people join")).to_contain_text("A cohort programme")
    await lena.check("scheme-check")
    await page.get_by_role("button", name="Change your answers").click()
    await expect(page.get_by_label("Name of the scheme")).to_have_value("Spring cohort 2027")
    await expect(page.locator("#starts_on-group").get_by_label("Month")).to_have_value("March")
    await page.get_by_label("Mentee places").fill("12")
    await page.get_by_role("button", name="Continue").click()
    await expect(row(page, "Mentee places")).to_contain_text("12")
    assert [s.slug for s in await schemes_in(brent_only)] == before  # still nothing
    await page.get_by_role("button", name="Create the scheme").click()

    await expect(page.locator("#done")).to_contain_text("Scheme created")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Set up Spring cohort 2027")
    await lena.check("scheme-setup")
    made = await spring(brent_only)
    assert (made.starts_on, made.ends_on, made.mentee_places) == (
        date(2027, 3, 1),
        date(2027, 11, 30),
        12,
    )

    await page.get_by_role("button", name="Add the session").click()  # nothing typed
    assert await error_summary(page) == [
        "Choose who the session is for",
        "Enter the title of the session",
        "Enter what the rules call it, like mentor-training",
    ]
    await lena.check("training-errors")
    await page.get_by_label("Mentors").check()
    await page.get_by_label("Title of the session").fill("Mentoring skills")
    await page.get_by_label("What the eligibility rules call it").fill("mentor-training")
    await fill_date(page, "held_on", "15", "1", "2027")
    await page.get_by_role("button", name="Add the session").click()
    await expect(page.locator("#done")).to_contain_text("Training session added")
    await expect(page.locator("#training-list")).to_contain_text(
        "Mentoring skills, for mentors, on 15 January 2027"
    )

    await page.get_by_role(
        "link", name="Write the questionnaire for mentees, at the end", exact=True
    ).click()
    await lena.check("questionnaire")
    await page.get_by_role("button", name="Save the questionnaire").click()  # no question
    assert await error_summary(page) == ["Write at least one question"]
    await lena.check("questionnaire-error")
    assert await questionnaires(brent_only) == []  # nothing saved
    await page.get_by_label("Words of question 1", exact=True).fill("How useful was it?")
    await page.get_by_label("Words of question 2", exact=True).fill("Would you recommend it?")
    await page.get_by_label("Answer to question 2", exact=True).select_option(label="Yes or no")
    await page.get_by_role("button", name="Save the questionnaire").click()
    await expect(page.locator("#done")).to_contain_text("Questionnaire saved")
    await expect(row(page, "Mentees, at the end")).to_contain_text("2 questions")
    [saved] = await questionnaires(brent_only)
    assert saved == [
        {"key": "q1", "text": "How useful was it?", "kind": "scale"},
        {"key": "q2", "text": "Would you recommend it?", "kind": "yes_no"},
    ]
    await page.get_by_role("link", name="Change the questionnaire for mentees, at the end").click()
    await page.get_by_label("Words of question 1", exact=True).fill("")  # removed
    await page.get_by_role("button", name="Save the questionnaire").click()
    await expect(row(page, "Mentees, at the end")).to_contain_text("1 question")
    [saved] = await questionnaires(brent_only)
    assert saved == [{"key": "q2", "text": "Would you recommend it?", "kind": "yes_no"}]

    await page.get_by_role("link", name="Change the details").click()
    await expect(page.get_by_label("Name of the scheme")).to_have_value("Spring cohort 2027")
    await lena.check("scheme-edit")
    await page.get_by_label("Mentee places").fill("14")
    await fill_date(page, "applications_close_on", "1", "1", "2027")  # before it opens
    await page.get_by_role("button", name="Save the changes").click()
    assert await error_summary(page) == [
        "The date applications close must be after the date they open"
    ]
    await expect(page.get_by_label("Mentee places")).to_have_value("14")  # kept
    assert (await spring(brent_only)).mentee_places == 12  # re-read: unchanged
    await fill_date(page, "applications_close_on", "28", "2", "2027")
    await page.get_by_role("button", name="Save the changes").click()
    await expect(page.locator("#done")).to_contain_text("Scheme details saved")
    await expect(row(page, "Mentee places")).to_contain_text("14")
    assert (await spring(brent_only)).mentee_places == 14

    # The set-up page and the scheme page link to each other.
    await page.get_by_role("link", name="Applicants and matching").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Spring cohort 2027")
    await page.get_by_role("link", name="Set-up: details, dates, places and training").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Set up Spring cohort 2027")


async def test_a_member_without_the_role_cannot_create_or_change_a_scheme(
    brent_only: Brent, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    scheme = (await schemes_in(brent_only))[0]
    rosa = await signed_in(browser, contexts, axe_source, brent_only, MENTEE)
    page = rosa.page
    base = f"{brent_only.url}/orgs/brent/coordinate/schemes"
    for path in ("/new", f"/{scheme.id}/edit", f"/{scheme.id}/setup"):
        response = await page.goto(base + path)
        assert response is not None
        assert response.status == 403, path
    await rosa.check("scheme-refused")
    async with brent_only.node.runtime.sessionmaker() as session:
        trainings = await session.scalar(select(func.count()).select_from(SchemeTraining))
        again = await session.get_one(Scheme, scheme.id)
    assert (again.name, again.mentee_places) == (scheme.name, scheme.mentee_places)
    assert trainings == 0
