"""Two live nodes, the certified oidc-provider as each org's identity provider, and Debian's
Chromium driven by Playwright (async). axe-core (npm, pinned in web/package.json) is injected
into every page the tests visit; it never ships to users.

- Node A (``settings``, the test database) hosts Brent; node B (``peer_settings``, the peer
  database) hosts Nottingham City Homes. Both are ``mentornet serve`` processes.
- ``same_node``: node A alone hosts both Brent and Harrow (one ``mentornet serve``); Harrow's
  cards reach Brent through the node's own feed, and every federation message between them is
  delivered in-process by the node itself (``federation.local_delivery``).
- Sign-in is real: the browser goes to the org's ``/login``, the IdP's own login and consent
  pages, and back to the callback (``tests/idp``, the same provider as tests/integration/sso).
- Federation messages between two nodes are delivered by the test (``deliver_due``), not by a
  background loop, so every step is deterministic.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from sqlalchemy import func, select

from federation.inbox import InboxEntry
from federation.outbox import OutboxMessage, OutboxStatus
from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from network.federation.own_feed import refresh_here
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.people.sso_config import SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.integration.sso.idp import CLIENT_SECRET, IdpServer, running_idp
from tests.live import free_port, live_node
from tests.nodes import Node, node

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

MENTEE = {"sub": "rosa", "given_name": "Rosa", "family_name": "Doyle", "employee_id": "B0008"}
#: Brent people for the journeys on one node: a line manager, an applicant reporting to them,
#: and two local mentors.
MANAGER = {"sub": "lena", "given_name": "Lena", "family_name": "Okoro", "employee_id": "B0007"}
APPLICANT = {"sub": "amir", "given_name": "Amir", "family_name": "Haddad", "employee_id": "B0009"}
LOCAL_MENTORS: list[dict[str, Any]] = [
    {
        "sub": sub,
        "given_name": given,
        "family_name": "Zielinski",
        "employee_id": employee_id,
        "topics": {"housing": 3, "leadership-management": level},
    }
    for sub, given, employee_id, level in (
        ("maya", "Maya", "B0003", 3),
        ("umar", "Umar", "B0004", 2),
    )
]
BRENT_PEOPLE = [MENTEE, MANAGER, APPLICANT, *LOCAL_MENTORS]
#: NCH mentors: with k = 5, cards are published only when five mentors share a coarse profile
#: and each topic a card says is said by five cards, so no card can be told from the others: all
#: five are experts in housing and leadership, and the mentee asks whichever comes first
#: (``Federation.asked_mentor`` says who that is).
MENTORS: list[dict[str, Any]] = [
    {
        "sub": f"mentor{i}",
        "given_name": given,
        "family_name": "Shah",
        "employee_id": f"N00{i}",
        "topics": {"housing": 3, "leadership-management": 3},
    }
    for i, given in enumerate(("Priya", "Dev", "Anil", "Kiran", "Sita"))
]
#: Harrow mentors, on node A with Brent: five alike, as NCH's, for the same k = 5.
HARROW_MENTORS: list[dict[str, Any]] = [
    {
        "sub": f"harrow{i}",
        "given_name": given,
        "family_name": "Shah",
        "employee_id": f"H00{i}",
        "topics": {"housing": 3, "leadership-management": 3},
    }
    for i, given in enumerate(("Nisha", "Ravi", "Meera", "Arjun", "Leela"))
]


def account(person: dict[str, Any], domain: str) -> dict[str, Any]:
    return {
        "email": f"{person['given_name'].lower()}.{person['family_name'].lower()}@{domain}",
        "email_verified": True,
        "given_name": person["given_name"],
        "family_name": person["family_name"],
        "employee_id": person["employee_id"],
        "groups": ["staff"],
    }


@pytest.fixture(scope="session")
def web_ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture(scope="session")
def web_idp(
    tmp_path_factory: pytest.TempPathFactory, web_ports: tuple[int, int]
) -> Iterator[IdpServer]:
    """brent's, harrow's and nch's IdPs, with redirect URIs at their nodes' ports (brent and
    harrow on node A, nch on node B)."""
    a, b = (f"http://127.0.0.1:{p}" for p in web_ports)
    orgs = [
        {
            "slug": slug,
            "client_id": f"mentornet-{slug}",
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{base}/orgs/{slug}/callback"],
            "post_logout_redirect_uris": [f"{base}/orgs/{slug}/signed-out"],
            "accounts": accounts,
        }
        for slug, base, accounts in (
            ("brent", a, {p["sub"]: account(p, "brent.example") for p in BRENT_PEOPLE}),
            ("harrow", a, {m["sub"]: account(m, "harrow.example") for m in HARROW_MENTORS}),
            ("nch", b, {m["sub"]: account(m, "nch.example") for m in MENTORS}),
        )
    ]
    with running_idp(tmp_path_factory.mktemp("web-idp"), orgs) as server:
        yield server


@pytest.fixture(scope="session")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-secret") / "client-secret"
    path.write_text(CLIENT_SECRET + "\n")
    return path


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `npm ci --prefix web` (make test does this)")
    return AXE


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Chromium is missing: `apt-get install chromium` (make test does this)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@dataclass
class Federation:
    """Node A (Brent) and node B (NCH), live, peered, with the feed pulled."""

    a: Node
    b: Node
    a_url: str
    b_url: str
    scheme_a: uuid.UUID
    mentors: dict[str, uuid.UUID] = field(default_factory=dict)  # IdP sub → member id on B

    async def deliver(self, where: Node) -> int:
        async with httpx.AsyncClient(timeout=15) as client:
            report = await deliver_due(where.runtime, datetime.now(UTC), client)
        assert report.failed == 0, report.errors
        return report.delivered

    async def asked_mentor(self) -> dict[str, Any]:
        """The NCH mentor the mentee's request reached on node B: the cards, being
        k-anonymous, do not say which of the five the mentee chose."""
        async with self.b.runtime.sessionmaker() as session:
            asked = set(await session.scalars(select(MentoringRequest.mentor_id)))
        return next(m for m in MENTORS if {self.mentors[m["sub"]]} == asked)


async def _org(
    where: Node, slug: str, name: str, policy: SharingPolicy, issuer: str, secret: Path
) -> tuple[uuid.UUID, uuid.UUID]:
    async with where.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).create(slug, name)
        await set_policy(session, org.id, policy)
        scheme = await SchemeService(session, org.id).create(
            SchemeSpec(slug="mentoring", name=f"{name} Mentoring")
        )
        await SsoConfigService(session, org.id).set(
            SsoSettings(
                issuer=issuer,
                client_id=f"mentornet-{slug}",
                client_secret_ref=f"file:{secret}",
                scopes=("openid", "email", "profile", "mentornet"),
            ),
            allow_http_loopback=True,
        )
        return org.id, scheme.id


async def _person(
    where: Node,
    org_id: uuid.UUID,
    scheme_id: uuid.UUID,
    person: dict[str, Any],
    role: SchemeRole | None,
    domain: str,
    manager: uuid.UUID | None = None,
) -> uuid.UUID:
    """An HR record (the sign-in links to it by employee id), with an approved application
    in ``role`` (none if ``role`` is None)."""
    async with where.runtime.sessionmaker() as session, session.begin():
        member = MemberRepository(session, org_id).add(
            Member(
                employee_id=person["employee_id"],
                given_name=person["given_name"],
                family_name=person["family_name"],
                email=account(person, domain)["email"],
                job_title="Housing lead" if role is SchemeRole.MENTOR else "Housing Officer",
                manager_id=manager,
            )
        )
        await session.flush()
        if role is None:
            return member.id
        if role is SchemeRole.MENTOR:
            await ProfileService(session, member).save_mentor(
                topics=person["topics"],
                open_to_other_orgs=True,
                seniority_band=6,
                pen_picture="Twenty years in social housing.",
            )
        ApplicationRepository(session, org_id).add(
            Application(
                scheme_id=scheme_id,
                member_id=member.id,
                role=role,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=[],
            )
        )
        return member.id


@pytest.fixture
async def federation(
    settings: Settings,
    peer_settings: Settings,
    web_ports: tuple[int, int],
    web_idp: IdpServer,
    secret_file: Path,
    tmp_path: Path,
) -> AsyncIterator[Federation]:
    a = node(settings, f"http://127.0.0.1:{web_ports[0]}")
    b = node(peer_settings, f"http://127.0.0.1:{web_ports[1]}")
    brent, scheme_a = await _org(
        a,
        "brent",
        "London Borough of Brent",
        SharingPolicy(cross_org=True),
        web_idp.issuers["brent"],
        secret_file,
    )
    nch, scheme_b = await _org(
        b,
        "nch",
        "Nottingham City Homes",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
        ),
        web_idp.issuers["nch"],
        secret_file,
    )
    await _person(a, brent, scheme_a, MENTEE, SchemeRole.MENTEE, "brent.example")
    mentors = {
        m["sub"]: await _person(b, nch, scheme_b, m, SchemeRole.MENTOR, "nch.example")
        for m in MENTORS
    }
    await a.pin(b)
    await b.pin(a)
    with (
        live_node(a.settings, port=web_ports[0], log=tmp_path / "node-a.log"),
        live_node(b.settings, port=web_ports[1], log=tmp_path / "node-b.log"),
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            pulled = await pull_feed(a.runtime, b.settings.base_url, client)
        assert (pulled.error, pulled.cards) == (None, 5)
        yield Federation(a, b, a.settings.base_url, b.settings.base_url, scheme_a, mentors)
    await a.runtime.close()
    await b.runtime.close()


@dataclass
class SameNode:
    """Node A alone, live, hosting Brent (the mentee) and Harrow (five mentors, with cards in
    the node's own feed)."""

    node: Node
    url: str
    mentors: dict[str, uuid.UUID] = field(default_factory=dict)  # IdP sub → Harrow member id

    async def asked_mentor(self) -> dict[str, Any]:
        """The Harrow mentor the mentee's request reached: its incoming side, on this node."""
        async with self.node.runtime.sessionmaker() as session:
            asked = set(
                await session.scalars(
                    select(MentoringRequest.mentor_id).where(
                        MentoringRequest.direction == Direction.INCOMING
                    )
                )
            )
        return next(m for m in HARROW_MENTORS if {self.mentors[m["sub"]]} == asked)

    async def delivered(self, bound: float = 15.0) -> None:
        """Wait until the node has nothing left to deliver to itself: no outbox row pending
        (one is delivered in-process once its transaction commits, in the server process), each
        delivered row taken by the inbox exactly once. A row refused, backed off or dead fails
        at once (nothing would deliver it in time: this node runs no delivery loop)."""
        deadline = asyncio.get_running_loop().time() + bound
        while True:
            async with self.node.runtime.sessionmaker() as session:
                rows = (await session.scalars(select(OutboxMessage))).all()
                taken = await session.scalar(select(func.count()).select_from(InboxEntry))
            failed = [
                (r.message_type, r.status, r.last_error)
                for r in rows
                if r.status is OutboxStatus.DEAD
                or (r.status is OutboxStatus.PENDING and (r.attempts or r.last_error))
            ]
            assert failed == [], failed
            assert {r.peer for r in rows} <= {self.url}, {r.peer for r in rows}
            done = [r for r in rows if r.status is OutboxStatus.DELIVERED]
            if len(done) == len(rows):
                assert taken == len(done), (taken, len(done))
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"node A never delivered to itself: {len(rows) - len(done)}")
            await asyncio.sleep(0.05)  # a poll, bounded above: the delivery is another process's


@pytest.fixture
async def same_node(
    settings: Settings,
    web_ports: tuple[int, int],
    web_idp: IdpServer,
    secret_file: Path,
    tmp_path: Path,
) -> AsyncIterator[SameNode]:
    a = node(settings, f"http://127.0.0.1:{web_ports[0]}")
    brent, scheme_b = await _org(
        a,
        "brent",
        "London Borough of Brent",
        SharingPolicy(cross_org=True),
        web_idp.issuers["brent"],
        secret_file,
    )
    harrow, scheme_h = await _org(
        a,
        "harrow",
        "London Borough of Harrow",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="local-government", region="london"
        ),
        web_idp.issuers["harrow"],
        secret_file,
    )
    await _person(a, brent, scheme_b, MENTEE, SchemeRole.MENTEE, "brent.example")
    mentors = {
        m["sub"]: await _person(a, harrow, scheme_h, m, SchemeRole.MENTOR, "harrow.example")
        for m in HARROW_MENTORS
    }
    # The node's own feed: Harrow's cards for the other orgs here (Brent publishes none).
    await a.ring()
    assert await refresh_here(a.runtime) == 5
    with live_node(a.settings, port=web_ports[0], log=tmp_path / "node-a.log"):
        yield SameNode(a, a.settings.base_url, mentors)
    await a.runtime.close()


@dataclass
class Brent:
    """Node A alone, live, hosting Brent with a line manager, an applicant, a mentee and two
    local mentors."""

    node: Node
    url: str
    people: dict[str, uuid.UUID]  # IdP sub → member id


@pytest.fixture
async def brent_only(
    settings: Settings,
    web_ports: tuple[int, int],
    web_idp: IdpServer,
    secret_file: Path,
    tmp_path: Path,
) -> AsyncIterator[Brent]:
    a = node(settings, f"http://127.0.0.1:{web_ports[0]}")
    org, scheme = await _org(
        a,
        "brent",
        "London Borough of Brent",
        SharingPolicy(),
        web_idp.issuers["brent"],
        secret_file,
    )
    people = {MANAGER["sub"]: await _person(a, org, scheme, MANAGER, None, "brent.example")}
    manager = people[MANAGER["sub"]]
    people[APPLICANT["sub"]] = await _person(
        a, org, scheme, APPLICANT, None, "brent.example", manager
    )
    people[MENTEE["sub"]] = await _person(
        a, org, scheme, MENTEE, SchemeRole.MENTEE, "brent.example", manager
    )
    for mentor in LOCAL_MENTORS:
        people[mentor["sub"]] = await _person(
            a, org, scheme, mentor, SchemeRole.MENTOR, "brent.example"
        )
    async with a.runtime.sessionmaker() as session, session.begin():
        rosa = await MemberRepository(session, org).get(people[MENTEE["sub"]])
        await ProfileService(session, rosa).save_mentee(
            topics={"housing": 5, "leadership-management": 4}, open_to_other_orgs=False
        )
    with live_node(a.settings, port=web_ports[0], log=tmp_path / "node-a.log"):
        yield Brent(a, a.settings.base_url, people)
    await a.runtime.close()


# --- the browser -------------------------------------------------------------------------------


@dataclass
class Visitor:
    """One person's browser (own cookies), checking each page it lands on."""

    page: Page
    name: str
    axe: Path | None
    shots: list[str] = field(default_factory=list)

    async def check(self, label: str) -> None:
        """Our page: no axe violations, a screenshot under test-artifacts/web/."""
        assert self.page.url.startswith("http://127.0.0.1"), self.page.url
        if self.axe is not None:
            await self.page.add_script_tag(path=str(self.axe))
            result = await self.page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
            )
            violations = [
                (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
            ]
            assert violations == [], f"{label} ({self.page.url}): {json.dumps(violations)}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = f"{len(self.shots) + 1:02d}-{self.name}-{label}.png"
        await self.page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        self.shots.append(shot)

    async def sign_in_at_idp(self, login: str) -> None:
        """The IdP's own pages (not ours: not checked): log in, then consent."""
        page = self.page
        await page.locator("input[name=login]").fill(login)
        await page.locator("input[name=password]").fill("any")
        await page.locator("button[type=submit]").click()
        await page.wait_for_load_state()
        if "/interaction/" in page.url:  # the consent prompt
            await page.locator("button[type=submit]").click()
        await page.wait_for_url("http://127.0.0.1:*/orgs/*/")


@pytest.fixture
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        await context.close()


async def visitor(
    browser: Browser,
    contexts: list[BrowserContext],
    name: str,
    axe: Path | None,
) -> Visitor:
    """axe is injected as a script tag, which our CSP (rightly) refuses: a checking browser
    bypasses the CSP; the keyboard test runs with it enforced."""
    context = await browser.new_context(
        bypass_csp=axe is not None, viewport={"width": 1024, "height": 800}
    )
    context.set_default_timeout(15_000)
    contexts.append(context)
    return Visitor(await context.new_page(), name, axe)
