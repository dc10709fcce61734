"""Shadowing agreed by the mentee's line manager; objectives and action plans; the admin CLI."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from tests.conftest import Cli
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, ok, paired, send, world


async def test_shadowing_needs_the_line_managers_agreement(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/shadowing"
    one_off = {
        "kind": "one_off",
        "host_name": "Director of Housing",
        "dates": ["2026-06-01", "2026-06-02"],
    }
    assert_problem(
        await client.post(url, json=one_off, headers=w.as_("mentee")), 422, "invalid-input"
    )
    series = {
        "kind": "series",
        "host_name": "Director of Housing",
        "dates": ["2026-06-08", "2026-06-01"],
        "purpose": "DMT meetings",
    }
    row = await ok(await client.post(url, json=series, headers=w.as_("mentor1")), 201)
    assert (row["state"], row["dates"]) == ("proposed", ["2026-06-01", "2026-06-08"])
    decide = f"/api/v1/me/shadowing-to-decide/{row['id']}"
    agree = {"agree": True, "service_delivery_considered": True}
    for who in ("mentee", "mentor1", "coordinator"):
        assert_problem(await client.post(decide, json=agree, headers=w.as_(who)), 404, "not-found")
    assert [
        s["id"]
        for s in await ok(await client.get("/api/v1/me/shadowing-to-decide", headers=w.as_("boss")))
    ] == [row["id"]]
    assert_problem(
        await client.post(decide, json={"agree": True}, headers=w.as_("boss")), 422, "invalid-input"
    )
    agreed = await ok(await client.post(decide, json=agree, headers=w.as_("boss")), 201)
    assert agreed["state"] == "agreed"
    assert_problem(
        await client.post(decide, json=agree, headers=w.as_("boss")), 409, "illegal-transition"
    )
    done = await ok(await client.post(f"{url}/{row['id']}/complete", headers=w.as_("mentee")), 201)
    assert done["state"] == "completed"
    assert_problem(
        await client.post(f"{url}/{row['id']}/cancel", headers=w.as_("mentee")),
        409,
        "illegal-transition",
    )


async def test_objectives_with_action_plans_are_shared_by_the_pair(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/objectives"
    body = {
        "title": "Lead a team",
        "expected_outcome": "Apply for team leader",
        "actions": [{"text": "Shadow a DMT", "due_on": "2026-07-01"}],
    }
    made = await ok(await client.post(url, json=body, headers=w.as_("mentee")), 201)
    done = {
        **body,
        "status": "achieved",
        "actions": [{"text": "Shadow a DMT", "due_on": "2026-07-01", "done": True}],
    }
    await ok(await client.put(f"{url}/{made['id']}", json=done, headers=w.as_("mentor1")))
    [seen] = await ok(await client.get(url, headers=w.as_("mentee")))
    assert (seen["status"], seen["actions"][0]["done"]) == ("achieved", True)
    assert_problem(await client.get(url, headers=w.as_("mentor2")), 404, "not-found")


async def test_admins_run_the_jobs_and_export_from_the_cli(
    client: Client, db: AsyncSession, mentornet: Cli, tmp_path: Path
) -> None:
    w = await world(db)
    await send(client, w, "mentor1", "mentor2")
    later = (utcnow() + timedelta(days=11)).isoformat()
    result = await asyncio.to_thread(mentornet, "jobs", "run-once", "--now", later)
    assert result.exit_code == 0, result.output
    assert "expired requests: 1" in result.output
    assert "MENTORNET_SMTP_URL is not set" in result.output
    bad = await asyncio.to_thread(mentornet, "jobs", "run-once", "--now", "yesterday")
    assert bad.exit_code != 0
    result = await asyncio.to_thread(
        mentornet,
        "mentoring",
        "settings",
        "--org",
        "brent",
        "--max-ranked",
        "5",
        "--mode",
        "parallel",
    )
    assert result.exit_code == 0, result.output
    assert "max_ranked_requests: 5" in result.output
    shown = await ok(
        await client.get("/api/v1/orgs/brent/mentoring-settings", headers=w.org.headers)
    )
    assert (shown["max_ranked_requests"], shown["request_mode"]) == (5, "parallel")
    out = tmp_path / "hr.csv"
    result = await asyncio.to_thread(
        mentornet, "mentoring", "hr-export", "--org", "brent", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("employee_id,name,role,")
    missing = await asyncio.to_thread(
        mentornet, "mentoring", "hr-export", "--org", "nowhere", "--out", str(out)
    )
    assert missing.exit_code == 1
