"""The mentor directory over HTTP, signed in as a mentee: who is listed is who suggestions may
offer (an org the mentee's org does not allow never appears, nor does its mentor's page),
filters refuse values outside the taxonomy in words, and every link the pages offer opens."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.pairing.requests import MentoringRequest
from orgs.pairing.sharing import SharingPolicy, set_policy
from tests.integration.matching.test_suggestions import (
    PEER,
    Org,
    acting,
    org,
    person,
    remote_card,
)
from tests.sessions import sign_in

Client = AsyncTestClient[Litestar]
LIST = "/orgs/brent/mentors/"
ALLOWED, REFUSED = "A" * 43, "R" * 43


def links(page: str) -> list[str]:
    """Every page the HTML links to (not the empty favicon, ``data:,``)."""
    return [unescape(h) for h in re.findall(r'href="([^"#]+)"', page) if h != "data:,"]


async def brent_with_mentors(db: AsyncSession) -> tuple[dict[str, str], Org]:
    brent = await org(db, "brent", cross_org=True)
    await set_policy(db, brent.id, SharingPolicy(cross_org=True, partners=[f"nch@{PEER}"]))
    await db.commit()
    mentee = await person(db, brent, "m1", mentee_topics={"leadership-management": 4})
    await person(db, brent, "a1", mentor_topics={"leadership-management": 3, "housing": 2})
    await remote_card(db, ALLOWED)  # Nottingham City Homes: a partner
    await remote_card(db, REFUSED, org_slug="wolves")  # not among Brent's partners
    return await acting(brent, mentee), brent


async def test_an_org_the_policy_does_not_allow_never_appears(
    client: Client, db: AsyncSession
) -> None:
    headers, _ = await brent_with_mentors(db)
    page = await client.get(LIST, headers=headers)
    assert page.status_code == 200, page.text
    assert '<h2 class="govuk-heading-m" id="count">2 mentors' in page.text
    assert "A1 Test, Officer" in page.text  # own organisation: named, as in suggestions
    assert "A mentor at Nottingham City Homes" in page.text
    assert ALLOWED[:4] in page.text
    assert REFUSED not in page.text
    assert "wolves" not in page.text
    assert "Bands 4 to 6" in page.text
    assert "Online" in page.text
    assert "Leadership and management (expert)" in page.text
    # Nor its page, nor its organisation as a filter value.
    card = await client.get(
        f"/orgs/brent/mentors/card/{REFUSED}?node={quote(PEER)}", headers=headers
    )
    assert card.status_code == 404
    assert "not in your directory" in card.text
    refused = await client.get(LIST, params={"organisation": f"wolves@{PEER}"}, headers=headers)
    assert refused.status_code == 400
    assert "Organisation: choose an organisation from the list" in refused.text


async def test_filters_outside_the_taxonomy_are_refused_in_words(
    client: Client, db: AsyncSession
) -> None:
    headers, _ = await brent_with_mentors(db)
    page = await client.get(
        LIST,
        params={"topic": "basket-weaving", "band": "12", "region": "atlantis", "page": "two"},
        headers=headers,
    )
    assert page.status_code == 400
    assert "<title>Error: " in page.text
    for words in (
        '<a href="#topic">Topic: choose a topic from the list</a>',
        '<a href="#band">Seniority band: choose a band from 1 to 9</a>',
        '<a href="#region">Region: choose a region from the list</a>',
        '<a href="#page">Page must be a whole number, like 2</a>',
    ):
        assert words in page.text
    assert "regex" not in page.text
    assert "basket-weaving" not in page.text
    # Values from the lists filter: one mentor offers housing, only the card meets online only.
    housing = await client.get(LIST, params={"topic": "housing"}, headers=headers)
    assert "1 mentor match your filters" in housing.text
    assert "A1 Test" in housing.text
    assert ALLOWED[:4] not in housing.text
    nch = await client.get(
        LIST, params={"organisation": f"nch@{PEER}", "band": "5"}, headers=headers
    )
    assert "1 mentor match your filters" in nch.text
    assert "A1 Test" not in nch.text


async def test_every_link_the_directory_and_mentor_pages_offer_opens(
    client: Client, db: AsyncSession
) -> None:
    headers, brent = await brent_with_mentors(db)
    for k in range(10):  # twelve in all: two pages, so the pagination's links are followed too
        await person(db, brent, f"p{k}", mentor_topics={"housing": 1 + k % 3})
    seen: set[str] = set()
    pages = [LIST, f"{LIST}?topic=housing"]
    while pages:
        url = pages.pop()
        if url in seen:
            continue
        seen.add(url)
        if url.startswith("?"):
            url = LIST + url
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, url
        if "/mentors" in url:  # follow the directory's own pages one level further
            pages += [h for h in links(response.text) if h not in seen]
    assert any("/mentors/card/" in u for u in seen)
    assert any(re.search(r"/mentors/[0-9a-f-]{36}$", u) for u in seen)
    assert "/orgs/brent/suggestions" in seen
    assert any("page=2" in u for u in seen)
    # and the suggestions link back to the directory
    suggestions = await client.get("/orgs/brent/suggestions", headers=headers)
    assert "/orgs/brent/mentors/" in links(suggestions.text)


async def test_asking_from_the_mentor_page_sends_the_message(
    client: Client, db: AsyncSession
) -> None:
    _, brent = await brent_with_mentors(db)
    mentee = await person(db, brent, "m2", mentee_topics={"housing": 4})
    [session] = await sign_in("brent", [mentee])
    page = await client.get(LIST, headers=session.headers)
    local = next(h for h in links(page.text) if re.search(r"/mentors/[0-9a-f-]{36}$", h))
    mentor_page = await client.get(local, headers=session.headers)
    assert "Ask this mentor" in mentor_page.text
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*id="ask">(.*?)</form>', mentor_page.text, re.S
    )
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(2)))
    sent = await client.post(
        form.group(1),
        data={**fields, "message": "Help with housing strategy, please."},
        headers=session.headers,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == "/orgs/brent/requests?done=asked"
    asked = await db.scalar(
        select(func.count())
        .select_from(MentoringRequest)
        .where(MentoringRequest.mentee_id == mentee.id)
    )
    assert asked == 1
    # Now a request is waiting: the page says so before the mentee tries again.
    again = await client.get(local, headers=session.headers)
    assert 'id="blocked"' in again.text
    assert 'id="ask"' not in again.text


async def test_another_org_s_directory_is_404_and_an_unapproved_mentee_is_told_why(
    client: Client, db: AsyncSession
) -> None:
    headers, brent = await brent_with_mentors(db)
    await org(db, "harrow", cross_org=True)
    assert (await client.get("/orgs/harrow/mentors/", headers=headers)).status_code == 404
    waiting = await person(db, brent, "m3", mentee_topics={"housing": 4}, approved=False)
    page = await client.get(LIST, headers=await acting(brent, waiting))
    assert page.status_code == 200
    assert "You need an approved application as a mentee" in page.text
    assert 'id="mentors"' not in page.text
    assert "A1 Test" not in page.text


async def test_a_refused_ask_shows_the_same_page_again_with_what_was_typed(
    client: Client, db: AsyncSession
) -> None:
    _, brent = await brent_with_mentors(db)
    mentee = await person(db, brent, "m4", mentee_topics={"housing": 4})
    [session] = await sign_in("brent", [mentee])
    listed = await client.get(LIST, params={"topic": "housing"}, headers=session.headers)
    action = re.search(r'<form method="post" action="([^"]+)" novalidate id="ask">', listed.text)
    assert action is not None
    assert unescape(action.group(1)) == "/orgs/brent/mentors/ask?topic=housing"
    nobody = await client.post(
        unescape(action.group(1)),
        data={"csrf_token": session.csrf, "scheme": "mentoring", "message": "Kept, please."},
        headers=session.headers,
    )
    assert nobody.status_code == 400
    assert '<a href="#mentor">Choose at least one mentor to ask</a>' in nobody.text
    assert "Kept, please." in nobody.text
    assert "1 mentor match your filters" in nobody.text  # the same filtered list

    mentor_page = next(h for h in links(listed.text) if re.search(r"/mentors/[0-9a-f-]{36}$", h))
    member_id = mentor_page.rsplit("/", 1)[1]
    too_long = await client.post(
        "/orgs/brent/mentors/ask",
        data={
            "csrf_token": session.csrf,
            "scheme": "mentoring",
            "mentor": member_id,
            "from": "mentor",
            "message": "x" * 2001,
        },
        headers=session.headers,
    )
    assert too_long.status_code == 400
    assert "Message must be 2000 characters or fewer" in too_long.text
    assert "Ask this mentor" in too_long.text  # the mentor's page again
    count = select(func.count()).select_from(MentoringRequest)
    assert await db.scalar(count.where(MentoringRequest.mentee_id == mentee.id)) == 0
