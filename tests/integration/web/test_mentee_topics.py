"""The mentee profile in two steps, without JavaScript (issue 17.5): step 1 is a GET form of
checkboxes by group; step 2 asks how important only the topics picked are, each one needing an
answer (refused: nothing saved); "Choose other topics" goes back with the picks ticked."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.people.profiles import ProfileService
from tests.integration.web.test_pages import Client, SignedIn, brent, signed_in

__all__ = ["brent", "signed_in"]  # the fixtures, shared with test_pages


def radios(html: str) -> set[str]:
    """The topics the page asks to rate."""
    return set(re.findall(r'name="(topic-[^"]+)" type="radio"', html))


async def test_step_two_asks_only_about_the_topics_picked(
    client: Client, db: AsyncSession, signed_in: SignedIn
) -> None:
    first = await client.get("/orgs/brent/profile/mentee")
    assert "Step 1 of 2" in first.text
    assert radios(first.text) == set()  # no 222 radios: checkboxes
    assert first.text.count('name="pick" type="checkbox"') > 30
    empty = await client.get("/orgs/brent/profile/mentee?step=rate")
    assert empty.status_code == 400
    assert '<a href="#pick">Choose at least one topic</a>' in empty.text

    second = await client.get("/orgs/brent/profile/mentee?step=rate&pick=housing&pick=finance")
    assert "Step 2 of 2" in second.text
    assert radios(second.text) == {"topic-housing", "topic-finance"}
    back = re.search(r'href="([^"]*choose=1[^"]*)"', second.text)
    assert back is not None
    again = await client.get(back.group(1).replace("&amp;", "&"))
    assert re.search(r'value="housing" checked', again.text)
    assert re.search(r'value="finance" checked', again.text)

    form = {"csrf_token": signed_in.csrf, "pick": ["housing", "finance"], "topic-housing": "5"}
    refused = await client.post("/orgs/brent/profile/mentee", data=form)
    assert refused.status_code == 400
    assert "Finance: choose how important it is" in refused.text
    assert radios(refused.text) == {"topic-housing", "topic-finance"}  # still the two
    assert await ProfileService(db, signed_in.member).mentee() is None  # nothing saved

    saved = await client.post("/orgs/brent/profile/mentee", data={**form, "topic-finance": "2"})
    assert saved.status_code == 200  # followed to the profiles page
    row = await ProfileService(db, signed_in.member).mentee()
    assert row is not None
    assert row.topics == {"housing": 5, "finance": 2}
    # With a profile, the page opens on step 2 with the topics already rated.
    mine = await client.get("/orgs/brent/profile/mentee")
    assert radios(mine.text) == {"topic-housing", "topic-finance"}
