"""Members keep a mentee and a mentor profile; only they can read or change them."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from matching.taxonomy import TOPICS
from orgs.errors import InvalidInput
from orgs.org_settings import OrgSettings, update_settings
from tests.integration.network.helpers import assert_problem, member_of, org_with_token

MENTEE = "/api/v1/me/mentee-profile"
MENTOR = "/api/v1/me/mentor-profile"


async def test_the_taxonomy_is_public_and_versioned(client: AsyncTestClient[Litestar]) -> None:
    body = (await client.get("/api/v1/topics")).json()
    assert body["version"]
    assert {t["id"] for t in body["topics"]} == set(TOPICS)


async def test_a_member_saves_and_reads_their_mentee_profile(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    amara = await member_of(db, brent, "b100")
    assert_problem(await client.get(MENTEE, headers=amara), 404, "not-found")
    saved = await client.put(
        MENTEE,
        json={
            "topics": {"confidence": 5, "applying-promotion": 3},
            "meeting_mode": "remote",
            "wanted_bands": [5, 7],
            "goals": "Apply for a team leader post this year",
        },
        headers=amara,
    )
    assert saved.status_code == 200, saved.text
    read = (await client.get(MENTEE, headers=amara)).json()
    assert read["topics"] == {"confidence": 5, "applying-promotion": 3}
    assert read["wanted_bands"] == [5, 7]
    assert read["goals"] == "Apply for a team leader post this year"


async def test_bad_profiles_name_every_field_at_fault_and_save_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    amara = await member_of(db, brent, "b100")
    response = await client.put(
        MENTEE, json={"topics": {"confidence": 9, "astrology": 2}}, headers=amara
    )
    body = assert_problem(response, 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"topics.confidence", "topics.astrology"}
    assert_problem(await client.get(MENTEE, headers=amara), 404, "not-found")
    bands = await client.put(
        MENTEE, json={"topics": {"confidence": 3}, "wanted_bands": [7, 2]}, headers=amara
    )
    assert assert_problem(bands, 422, "invalid-input")["errors"][0]["field"] == "wanted_bands"


async def test_mentor_profile_checks_levels_capacity_and_modes(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    kofi = await member_of(db, brent, "b200")
    bad = await client.put(MENTOR, json={"topics": {"housing": 4}, "capacity": 11}, headers=kofi)
    assert {e["field"] for e in assert_problem(bad, 422, "invalid-input")["errors"]} == {
        "topics.housing"
    }
    modes = await client.put(
        MENTOR, json={"topics": {"housing": 3}, "meeting_modes": ["telepathy"]}, headers=kofi
    )
    assert_problem(modes, 400, "validation-failed")
    good = await client.put(
        MENTOR,
        json={"topics": {"housing": 3}, "capacity": 2, "open_to_other_orgs": True},
        headers=kofi,
    )
    assert good.status_code == 200, good.text
    assert good.json()["capacity"] == 2


async def test_profiles_are_each_members_own(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    harrow = await org_with_token(db, "harrow")
    amara = await member_of(db, brent, "b100")
    other_brent = await member_of(db, brent, "b101")
    await client.put(MENTEE, json={"topics": {"confidence": 5}, "goals": "private"}, headers=amara)
    assert_problem(await client.get(MENTEE, headers=other_brent), 404, "not-found")
    # Harrow's token naming a Brent member is still Harrow's machine caller, no person at all.
    amara_id = (await client.get("/api/v1/me", headers=amara)).json()["member_id"]
    crossed = {**harrow.headers, "X-Acting-Member": amara_id}
    assert_problem(await client.get(MENTEE, headers=crossed), 403, "forbidden")


async def test_no_header_turns_an_org_token_into_a_member(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    """``X-Acting-Member`` once let an org token act as any member of its org (issue 13): a
    token that still sends it is the org's script, never that person."""
    brent = await org_with_token(db, "brent")
    amara = await member_of(db, brent, "b100")
    mine = {"topics": {"confidence": 5}, "goals": "Lead a team"}
    assert (await client.put(MENTEE, json=mine, headers=amara)).status_code == 200
    amara_id = (await client.get("/api/v1/me", headers=amara)).json()["member_id"]
    posing = {**brent.headers, "X-Acting-Member": amara_id}
    who = (await client.get("/api/v1/me", headers=posing)).json()
    assert (who["via"], who["member_id"], who["name"]) == ("token", None, None)
    assert_problem(await client.get(MENTEE, headers=posing), 403, "forbidden")
    theirs = {"topics": {"housing": 1}, "goals": "Written by a script"}
    assert_problem(await client.put(MENTEE, json=theirs, headers=posing), 403, "forbidden")
    after = (await client.get(MENTEE, headers=amara)).json()
    assert (after["topics"], after["goals"]) == (mine["topics"], mine["goals"])


async def test_an_org_token_without_a_member_has_no_profile(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    assert_problem(await client.get(MENTEE, headers=brent.headers), 403, "forbidden")


async def test_members_may_rate_topics_by_their_orgs_own_labels(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    await update_settings(
        db,
        brent.org.id,
        OrgSettings(topic_labels={"Tenancy management": "housing", "Resilience": "confidence"}),
    )
    await db.commit()
    amara = await member_of(db, brent, "b100")
    saved = await client.put(
        MENTEE,
        json={"topics": {"tenancy  MANAGEMENT": 4, "Resilience": 2, "confidence": 5}},
        headers=amara,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["topics"] == {"housing": 4, "confidence": 5}
    unknown = await client.put(MENTEE, json={"topics": {"Gardening": 3}}, headers=amara)
    assert assert_problem(unknown, 422, "invalid-input")["errors"][0]["field"] == "topics.Gardening"


async def test_an_org_label_must_name_a_taxonomy_topic(db: AsyncSession) -> None:
    brent = await org_with_token(db, "brent")
    with pytest.raises(InvalidInput) as refused:
        await update_settings(db, brent.org.id, OrgSettings(topic_labels={"Gardening": "garden"}))
    assert refused.value.errors[0].field == "topic_labels.Gardening"


@pytest.mark.parametrize(
    ("url", "saved"),
    [(MENTEE, {"topics": {"confidence": 4}}), (MENTOR, {"topics": {"housing": 2}})],
)
async def test_a_profile_needs_at_least_one_topic_and_an_empty_list_changes_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, url: str, saved: dict[str, object]
) -> None:
    brent = await org_with_token(db, "brent")
    amara = await member_of(db, brent, "b100")
    empty = assert_problem(
        await client.put(url, json={"topics": {}}, headers=amara), 422, "invalid-input"
    )
    assert [(e["field"], e["message"]) for e in empty["errors"]] == [
        ("topics", "choose at least one topic")
    ]
    assert_problem(await client.get(url, headers=amara), 404, "not-found")  # nothing saved
    assert (await client.put(url, json=saved, headers=amara)).status_code == 200
    before = (await client.get(url, headers=amara)).json()
    assert_problem(await client.put(url, json={"topics": {}}, headers=amara), 422, "invalid-input")
    assert (await client.get(url, headers=amara)).json() == before
