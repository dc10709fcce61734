"""What a signed-in directory page costs: the same SQL statements at 1,000 mentors as at 10,
cold and warm (the suggestions' candidate parts, then filters and paging in memory), and a
warm page reads none of the candidate tables again."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.matching.test_suggestions import acting, org, person, remote_card
from tests.integration.matching.test_suggestions_cost import (
    CANDIDATE_TABLES,
    mentors,
    shape,
    statements,
)

__all__ = ["statements"]  # the fixture, used by name below

LIST = "/orgs/{slug}/mentors/"


async def test_a_directory_page_sends_the_same_statements_at_1000_mentors_as_at_10(
    client: AsyncTestClient[Litestar], db: AsyncSession, statements: list[str]
) -> None:
    first = await org(db, "first", cross_org=True)
    small = await org(db, "small", cross_org=True)
    large = await org(db, "large", cross_org=True)
    await remote_card(db, "C" * 43)
    await mentors(db, small, 10)
    await mentors(db, large, 1000)
    starter = await person(db, first, "s1", mentee_topics={"confidence": 3})
    warm_up = await client.get(LIST.format(slug="first"), headers=await acting(first, starter))
    assert warm_up.status_code == 200

    sent: dict[str, tuple[list[str], list[str]]] = {}
    pages: dict[str, list[str]] = {}
    for where in (small, large):
        slug = where.handle.org.slug
        mentee = await person(db, where, "m1", mentee_topics={"confidence": 5})
        headers = await acting(where, mentee)
        query = {"topic": "confidence", "page": "2"}
        statements.clear()
        cold = await client.get(LIST.format(slug=slug), params=query, headers=headers)
        cold_sent = list(statements)
        statements.clear()
        warm = await client.get(LIST.format(slug=slug), params=query, headers=headers)
        sent[slug] = (cold_sent, list(statements))
        assert cold.status_code == warm.status_code == 200, cold.text
        assert cold.text.count('name="mentor"') == warm.text.count('name="mentor"')
        # A mentor's page (the first local one listed) costs the same at either size too.
        mentor = re.search(r'href="(/orgs/[a-z]+/mentors/[0-9a-f-]{36})"', warm.text)
        assert mentor is not None
        statements.clear()
        assert (await client.get(mentor.group(1), headers=headers)).status_code == 200
        pages[slug] = list(statements)
        if where is large:
            assert 'aria-current="page">2<' in warm.text  # the second page of many

    (small_cold, small_warm), (large_cold, large_warm) = sent["small"], sent["large"]
    assert [shape(s) for s in large_cold] == [shape(s) for s in small_cold]
    assert [shape(s) for s in large_warm] == [shape(s) for s in small_warm]
    assert [shape(s) for s in pages["large"]] == [shape(s) for s in pages["small"]]
    print(  # the figures for docs/matching.md
        f"directory: {len(large_cold)} statements cold, {len(large_warm)} warm; "
        f"a mentor's page {len(pages['large'])}"
    )
    # Only the mentee's own live relationship is read (what would block a request), never
    # the mentors' profiles, relationships or cards.
    candidate_reads = [s for s in large_warm if any(table in s for table in CANDIDATE_TABLES)]
    assert [s for s in candidate_reads if "mentoring_relationships.mentee_id =" not in s] == []
    assert len(candidate_reads) == 1
