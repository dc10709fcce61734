"""What stays private: meeting notes (their author only), the learning log (the mentee's, shared
entry by entry), concerns (the raiser and the coordinator). A coordinator, the other party and
another org each get 404; the coordinator's health view holds no private content."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, World, backdate, ok, paired, world

SECRET_NOTE = "Worried about her manager"
SECRET_LOG = "I want to leave the council"


async def setup(client: Client, db: AsyncSession) -> tuple[World, World, dict[str, Any], str, str]:
    w = await world(db)
    other = await world(db, slug="harrow")
    rel = await paired(client, w)
    await backdate(db, rel, days=7)
    base = f"/api/v1/relationships/{rel['id']}"
    body = {
        "starts_at": (utcnow() - timedelta(days=1)).isoformat(),
        "duration_minutes": 60,
        "mode": "in_person",
        "held": True,
        "summary": "Talked careers",
    }
    meeting = (
        await ok(await client.post(f"{base}/meetings", json=body, headers=w.as_("mentor1")), 201)
    )["meeting"]
    note = await ok(
        await client.post(
            f"{base}/meetings/{meeting['id']}/notes",
            json={"text": SECRET_NOTE},
            headers=w.as_("mentor1"),
        ),
        201,
    )
    entry = await ok(
        await client.post(
            f"{base}/learning-log",
            json={"entry_date": "2026-05-01", "activity": "Shadowed a DMT", "learning": SECRET_LOG},
            headers=w.as_("mentee"),
        ),
        201,
    )
    return w, other, rel, note["id"], entry["id"]


async def test_private_notes_are_readable_only_by_their_author(
    client: Client, db: AsyncSession
) -> None:
    w, other, rel, note_id, _ = await setup(client, db)
    assert (await ok(await client.get(f"/api/v1/me/notes/{note_id}", headers=w.as_("mentor1"))))[
        "text"
    ] == SECRET_NOTE
    for headers in (
        w.as_("mentee"),
        w.as_("coordinator"),
        other.as_("coordinator"),
        other.as_("mentor1"),
    ):
        assert_problem(
            await client.get(f"/api/v1/me/notes/{note_id}", headers=headers), 404, "not-found"
        )
    meetings = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}/meetings", headers=w.as_("mentee"))
    )
    notes_url = f"/api/v1/relationships/{rel['id']}/meetings/{meetings[0]['id']}/notes"
    assert await ok(await client.get(notes_url, headers=w.as_("mentee"))) == []
    assert [n["text"] for n in await ok(await client.get(notes_url, headers=w.as_("mentor1")))] == [
        SECRET_NOTE
    ]
    assert_problem(await client.get(notes_url, headers=w.as_("coordinator")), 404, "not-found")
    assert_problem(await client.get(notes_url, headers=other.as_("mentor1")), 404, "not-found")


async def test_the_learning_log_is_private_until_shared_entry_by_entry(
    client: Client, db: AsyncSession
) -> None:
    w, other, rel, _, entry_id = await setup(client, db)
    log = f"/api/v1/relationships/{rel['id']}/learning-log"
    assert await ok(await client.get(log, headers=w.as_("mentor1"))) == []
    for headers in (
        w.as_("mentor1"),
        w.as_("coordinator"),
        other.as_("mentee"),
        other.as_("coordinator"),
    ):
        assert_problem(
            await client.get(f"/api/v1/me/learning-log/{entry_id}", headers=headers),
            404,
            "not-found",
        )
    assert_problem(await client.get(log, headers=w.as_("coordinator")), 404, "not-found")
    # Only the mentee writes the log, and only they share an entry.
    body = {"entry_date": "2026-05-02"}
    assert_problem(await client.post(log, json=body, headers=w.as_("mentor1")), 403, "forbidden")
    sharing = f"/api/v1/me/learning-log/{entry_id}/sharing"
    assert_problem(
        await client.put(sharing, json={"shared": True}, headers=w.as_("mentor1")), 404, "not-found"
    )
    await ok(
        await client.post(
            log, json={"entry_date": "2026-05-03", "learning": "kept back"}, headers=w.as_("mentee")
        ),
        201,
    )
    await ok(await client.put(sharing, json={"shared": True}, headers=w.as_("mentee")))
    shared = await ok(await client.get(log, headers=w.as_("mentor1")))
    assert [e["learning"] for e in shared] == [SECRET_LOG]
    assert (
        await ok(await client.get(f"/api/v1/me/learning-log/{entry_id}", headers=w.as_("mentor1")))
    )["learning"] == SECRET_LOG
    assert_problem(
        await client.get(f"/api/v1/me/learning-log/{entry_id}", headers=w.as_("coordinator")),
        404,
        "not-found",
    )
    assert len(await ok(await client.get(log, headers=w.as_("mentee")))) == 2


async def test_coordinator_oversight_shows_health_never_private_content(
    client: Client, db: AsyncSession
) -> None:
    w, other, rel, _, _ = await setup(client, db)
    response = await client.get("/api/v1/orgs/brent/relationships", headers=w.as_("coordinator"))
    [health] = await ok(response)
    assert health["meetings_held"] == 1
    assert health["hours_used"] == 1.0
    assert health["hours_budget"] == 12.0
    assert health["last_meeting_on"] == (utcnow() - timedelta(days=1)).date().isoformat()
    assert health["overdue_evaluations"] == 0
    for secret in (SECRET_NOTE, SECRET_LOG, "Talked careers", "Prepare for a team leader role"):
        assert secret not in response.text
    # Members are not coordinators; another org's coordinator sees another org.
    assert_problem(
        await client.get("/api/v1/orgs/brent/relationships", headers=w.as_("mentee")),
        403,
        "forbidden",
    )
    assert_problem(
        await client.get("/api/v1/orgs/brent/relationships", headers=other.as_("coordinator")),
        404,
        "not-found",
    )
    assert_problem(
        await client.get(
            f"/api/v1/orgs/harrow/relationships/{rel['id']}/health",
            headers=other.as_("coordinator"),
        ),
        404,
        "not-found",
    )
    # Coordinators are not parties: the relationship itself is not theirs to read.
    assert_problem(
        await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("coordinator")),
        404,
        "not-found",
    )
    assert_problem(
        await client.get(
            f"/api/v1/relationships/{rel['id']}/objectives", headers=w.as_("coordinator")
        ),
        404,
        "not-found",
    )


async def test_a_concern_goes_to_the_coordinator_only_and_is_tracked_to_resolution(
    client: Client, db: AsyncSession
) -> None:
    w, other, rel, _, _ = await setup(client, db)
    concern = await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/concerns",
            json={"category": "conduct", "text": "The mentor made a remark I found offensive"},
            headers=w.as_("mentee"),
        ),
        201,
    )
    assert_problem(
        await client.get(f"/api/v1/me/concerns/{concern['id']}", headers=w.as_("mentor1")),
        404,
        "not-found",
    )
    assert await ok(await client.get("/api/v1/me/concerns", headers=w.as_("mentor1"))) == []
    assert_problem(
        await client.get("/api/v1/orgs/harrow/concerns", headers=w.as_("coordinator")),
        404,
        "not-found",
    )
    assert (
        await ok(await client.get("/api/v1/orgs/harrow/concerns", headers=other.as_("coordinator")))
        == []
    )
    listed = await ok(await client.get("/api/v1/orgs/brent/concerns", headers=w.as_("coordinator")))
    assert [c["text"] for c in listed] == ["The mentor made a remark I found offensive"]
    health = await ok(
        await client.get(
            f"/api/v1/orgs/brent/relationships/{rel['id']}/health", headers=w.as_("coordinator")
        )
    )
    assert health["open_concerns"] == 1
    url = f"/api/v1/orgs/brent/concerns/{concern['id']}"
    assert_problem(
        await client.post(url, json={"state": "resolved"}, headers=w.as_("coordinator")),
        422,
        "invalid-input",
    )
    await ok(
        await client.post(url, json={"state": "in_progress"}, headers=w.as_("coordinator")), 201
    )
    done = await ok(
        await client.post(
            url,
            json={"state": "resolved", "note": "Spoke to both; mentor apologised"},
            headers=w.as_("coordinator"),
        ),
        201,
    )
    assert done["state"] == "resolved"
    assert_problem(
        await client.post(url, json={"state": "in_progress"}, headers=w.as_("coordinator")),
        409,
        "illegal-transition",
    )
    mine = await ok(
        await client.get(f"/api/v1/me/concerns/{concern['id']}", headers=w.as_("mentee"))
    )
    assert mine["resolution"] == "Spoke to both; mentor apologised"
