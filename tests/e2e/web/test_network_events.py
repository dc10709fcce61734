"""A network's shared events through the pages, on two live nodes, with axe on each page:
Brent's network coordinator publishes a mentor skills workshop (a form refused first, nothing
published), an NCH mentor finds it in the network's directory on their own node, registers
only after ticking their consent, and sees their place once the nodes have talked; the
organiser sees who registered (name, organisation, work email) and records attendance, which
the mentor then sees on their own node."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy import func, select

from federation.network_handlers import networks
from network.web.uk_time import LONDON
from orgs.networks.event_models import NetworkEvent
from orgs.networks.record import Contact
from orgs.networks.service import AcceptIn, InviteIn, NetworkIn
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.roles import MemberRole, Role, RoleSource
from orgs.registry import OrgRegistry
from tests.e2e.web.conftest import MENTEE, MENTORS, Federation, Visitor, visitor
from tests.e2e.web.test_local_journeys import error_summary


async def network_of_two(fed: Federation) -> str:
    """Brent founds a network and NCH joins (as their admins would, through the service)."""
    async with fed.a.runtime.sessionmaker() as session, session.begin():
        brent = await OrgRegistry(session).get("brent")
        service = networks(session, fed.a_url)
        record = await service.create(
            Actor.operator(brent.id),
            NetworkIn(
                name="MyMentor London and East Midlands",
                agreement="Members share mentors and training.",
                review_on=datetime.now(LONDON).date() + timedelta(days=365),
                contact=Contact(name="Anna Contact", work_email="anna@brent.example"),
            ),
        )
        await service.invite(
            Actor.operator(brent.id),
            record.network_id,
            InviteIn(org="nch", node=fed.b_url, display_name="Nottingham City Homes"),
        )
    await fed.deliver(fed.a)
    async with fed.b.runtime.sessionmaker() as session, session.begin():
        nch = await OrgRegistry(session).get("nch")
        await networks(session, fed.b_url).accept(
            Actor.operator(nch.id),
            record.network_id,
            AcceptIn(
                agreement_version=1,
                contact=Contact(name="Nina Contact", work_email="nina@nch.example"),
            ),
        )
    await fed.deliver(fed.b)
    return record.network_id


async def signed_in_at(
    browser: Browser, contexts: list[BrowserContext], axe: Path, url: str, org: str, sub: str
) -> Visitor:
    v = await visitor(browser, contexts, sub, axe)
    await v.page.goto(f"{url}/orgs/{org}/login")
    await v.sign_in_at_idp(sub)
    return v


async def test_a_workshop_is_published_registered_for_across_nodes_and_attended(
    federation: Federation, browser: Browser, contexts: list[BrowserContext], axe_source: Path
) -> None:
    fed = federation
    nid = await network_of_two(fed)
    async with fed.a.runtime.sessionmaker() as session, session.begin():
        rosa = await session.scalar(select(Member).where(Member.given_name == MENTEE["given_name"]))
        assert rosa is not None
        session.add(
            MemberRole(
                org_id=rosa.org_id,
                member_id=rosa.id,
                role=Role.NETWORK_COORDINATOR,
                source=RoleSource.MANUAL,
            )
        )

    organiser = await signed_in_at(browser, contexts, axe_source, fed.a_url, "brent", MENTEE["sub"])
    page = organiser.page
    await page.goto(f"{fed.a_url}/orgs/brent/networks/{nid}/events")
    await organiser.check("events-empty")
    await page.get_by_role("button", name="Publish to the network").click()  # nothing filled
    assert await error_summary(page)
    async with fed.a.runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(NetworkEvent)) == 0
    await organiser.check("events-error")

    starts = datetime.now(LONDON).replace(second=0, microsecond=0) + timedelta(hours=1)
    await page.get_by_label("Workshop (for example, mentor skills)").check()
    await page.get_by_label("Title").fill("Mentor skills: a half-day workshop")
    await page.get_by_label("What it covers").fill("Listening, questioning and goals.")
    await page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("Ends").fill((starts + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("Where").fill("Brent Civic Centre, Wembley")
    await page.get_by_label("Places").fill("12")
    await page.get_by_label("Mentors", exact=True).check()
    await page.get_by_role("button", name="Publish to the network").click()
    await expect(page.locator("#done")).to_contain_text("Event published")
    await organiser.check("event-published")
    assert await fed.deliver(fed.a) == 1

    mentor = MENTORS[0]
    priya = await signed_in_at(browser, contexts, axe_source, fed.b_url, "nch", mentor["sub"])
    mpage = priya.page
    await mpage.goto(f"{fed.b_url}/orgs/nch/networks/{nid}")
    await priya.check("directory-with-events")
    await mpage.get_by_role("link", name="Mentor skills: a half-day workshop").click()
    await priya.check("event")
    await mpage.get_by_role("button", name="Register").click()  # no consent: nothing sent
    assert await error_summary(mpage) == [
        "Agree to your name, organisation and work email going to the organiser"
    ]
    await priya.check("event-no-consent")
    assert await fed.deliver(fed.b) == 0
    await mpage.get_by_label("Send my name, my organisation and my work email").check()
    await mpage.get_by_role("button", name="Register").click()
    await expect(mpage.locator("#done")).to_contain_text("Registration sent")
    await expect(mpage.locator("#place-state")).to_contain_text("sent to the organiser")
    assert await fed.deliver(fed.b) == 1
    assert await fed.deliver(fed.a) == 1
    await mpage.reload()
    await expect(mpage.locator("#place-state")).to_contain_text("You have a place.")
    await priya.check("event-place")

    await page.reload()
    row = page.locator("tr", has_text="Priya Shah")
    await expect(row).to_contain_text("Nottingham City Homes")
    await expect(row).to_contain_text("priya.shah@nch.example")
    await organiser.check("event-registrations")
    await row.get_by_role("button", name="Attended").click()
    await expect(page.locator("#done")).to_contain_text("Attendance recorded")
    await expect(page.locator("tr", has_text="Priya Shah")).to_contain_text("Attended")
    assert await fed.deliver(fed.a) == 1
    await mpage.reload()
    await expect(mpage.locator("#place-state")).to_contain_text("You attended.")
    await priya.check("event-attended")
