"""Staff import: all or nothing with every error located, idempotent, leavers never deleted."""

from __future__ import annotations

import json
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from orgs.models import TokenRole
from orgs.people.members import Member, MemberStatus
from tests.conftest import Cli
from tests.integration.network.helpers import assert_problem, org_with_token
from tests.integration.orgs.builders import big_export, csv_of, in_db


async def count_members(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Member)) or 0)


def members_now(settings: Settings) -> list[Member]:
    async def work(session: AsyncSession) -> list[Member]:
        return list((await session.scalars(select(Member))).all())

    return in_db(settings, work)


def org_for_cli(mentornet: Cli, slug: str, *settings_args: str) -> None:
    assert mentornet("org", "create", "--slug", slug, "--name", slug.title()).exit_code == 0
    if settings_args:
        result = mentornet("org", "settings", "--org", slug, *settings_args)
        assert result.exit_code == 0, result.output


def write(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> str:
    path = tmp_path / name
    path.write_text(csv_of(rows))
    return str(path)


def test_the_500_row_import_story(mentornet: Cli, settings: Settings, tmp_path: Path) -> None:
    org_for_cli(mentornet, "brent")
    rows = big_export(500)

    # 1. One bad email on data row 250: non-zero, JSON names row 250 and `email`, nothing written.
    bad = [dict(r) for r in rows]
    bad[249]["email"] = "jo.bloggs.brent.gov.uk"
    failed = mentornet(
        "org", "import-staff", "--org", "brent", "--json", write(tmp_path, "bad.csv", bad)
    )
    assert failed.exit_code != 0
    report = json.loads(failed.stdout)
    assert report["errors"] == [
        {
            "row": 250,
            "column": "email",
            "message": "'jo.bloggs.brent.gov.uk' is not an email address",
        }
    ]
    assert (report["created"], report["updated"], report["left"]) == (0, 0, 0)
    assert members_now(settings) == []

    # 2. The fixed file creates 500.
    created = mentornet(
        "org", "import-staff", "--org", "brent", "--json", write(tmp_path, "ok.csv", rows)
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout) == {
        "created": 500,
        "updated": 0,
        "unchanged": 0,
        "left": 0,
        "errors": [],
    }
    assert len(members_now(settings)) == 500

    # 3. Three rows changed and two removed: 3 updated, 2 left, the rest unchanged.
    changed = [dict(r) for r in rows]
    changed[10]["job_title"] = "Senior Officer"
    changed[20]["grade"] = "G5"
    changed[30]["email"] = "renamed@example.gov.uk"
    removed = {changed[498]["employee_id"], changed[499]["employee_id"]}
    again = mentornet(
        "org",
        "import-staff",
        "--org",
        "brent",
        "--json",
        write(tmp_path, "next.csv", changed[:498]),
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "created": 0,
        "updated": 3,
        "unchanged": 495,
        "left": 2,
        "errors": [],
    }
    everyone = members_now(settings)
    leavers = [m for m in everyone if m.status is MemberStatus.LEFT]
    assert {m.employee_id for m in leavers} == removed
    assert all(m.left_at is not None for m in leavers)
    assert len(everyone) == 500  # never deleted
    by_id = {m.employee_id: m for m in everyone}
    assert by_id[changed[10]["employee_id"]].job_title == "Senior Officer"
    assert by_id[changed[30]["employee_id"]].email == "renamed@example.gov.uk"

    # 4. The same file again changes nothing.
    same = mentornet(
        "org",
        "import-staff",
        "--org",
        "brent",
        "--json",
        write(tmp_path, "next.csv", changed[:498]),
    )
    assert json.loads(same.stdout)["unchanged"] == 498
    assert json.loads(same.stdout)["left"] == 0


def test_a_leaver_who_returns_is_active_again(
    mentornet: Cli, settings: Settings, tmp_path: Path
) -> None:
    org_for_cli(mentornet, "nch")
    rows = big_export(5)
    mentornet("org", "import-staff", "--org", "nch", write(tmp_path, "a.csv", rows))
    mentornet("org", "import-staff", "--org", "nch", write(tmp_path, "b.csv", rows[:4]))
    back = mentornet("org", "import-staff", "--org", "nch", write(tmp_path, "c.csv", rows))
    assert back.exit_code == 0
    assert "updated 1, unchanged 4, left 0" in back.stdout
    member = {m.employee_id: m for m in members_now(settings)}["E0005"]
    assert (member.status, member.left_at) == (MemberStatus.ACTIVE, None)


def test_dry_run_counts_and_writes_nothing(
    mentornet: Cli, settings: Settings, tmp_path: Path
) -> None:
    org_for_cli(mentornet, "brent")
    result = mentornet(
        "org",
        "import-staff",
        "--org",
        "brent",
        "--dry-run",
        write(tmp_path, "a.csv", big_export(7)),
    )
    assert result.exit_code == 0
    assert "would have created 7" in result.stdout
    assert members_now(settings) == []


def test_every_error_is_listed_for_humans_too(mentornet: Cli, tmp_path: Path) -> None:
    org_for_cli(mentornet, "brent")
    rows = big_export(4)
    rows[1]["start_date"] = "yesterday"
    rows[3]["manager_employee_id"] = "NOBODY"
    result = mentornet("org", "import-staff", "--org", "brent", write(tmp_path, "a.csv", rows))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "row 2, column start_date: 'yesterday' is not a date (use YYYY-MM-DD)",
        "row 4, column manager_employee_id: unknown manager 'NOBODY' (not in the file)",
        "error: 2 error(s); nothing was imported",
    ]


def test_managers_are_linked_and_extra_columns_kept_with_a_column_mapping(
    mentornet: Cli, settings: Settings, tmp_path: Path
) -> None:
    org_for_cli(
        mentornet, "harrow", "--column", "employee_id=Staff No", "--column", "email=Work Email"
    )
    path = tmp_path / "harrow.csv"
    path.write_text(
        "Staff No,Work Email,given_name,manager_employee_id,Cost Centre\n"
        "H1,boss@harrow.gov.uk,Bo,,CC1\n"
        "H2,worker@harrow.gov.uk,Wu,H1,CC2\n"
    )
    result = mentornet("org", "import-staff", "--org", "harrow", str(path))
    assert result.exit_code == 0, result.output
    staff = {m.employee_id: m for m in members_now(settings)}
    assert staff["H2"].manager_id == staff["H1"].id
    assert staff["H2"].attributes == {"cost_centre": "CC2"}


async def test_the_admin_api_upload(client: AsyncTestClient[Litestar], db: AsyncSession) -> None:
    brent = await org_with_token(db, "brent")
    coordinator = await org_with_token(db, "brent", TokenRole.COORDINATOR)
    rows = big_export(30)
    headers = {**brent.headers, "Content-Type": "text/csv"}

    denied = await client.post(
        "/api/v1/orgs/brent/staff/import",
        content=csv_of(rows),
        headers={**coordinator.headers, "Content-Type": "text/csv"},
    )
    assert_problem(denied, 403, "forbidden")

    bad = [dict(r) for r in rows]
    bad[24]["email"] = "nope"
    refused = await client.post(
        "/api/v1/orgs/brent/staff/import", content=csv_of(bad), headers=headers
    )
    body = assert_problem(refused, 422, "invalid-input")
    assert body["errors"] == [
        {"field": "rows[25].email", "message": "'nope' is not an email address"}
    ]
    assert await count_members(db) == 0

    dry = await client.post(
        "/api/v1/orgs/brent/staff/import?dry_run=true", content=csv_of(rows), headers=headers
    )
    assert dry.json()["created"] == 30
    assert await count_members(db) == 0
    done = await client.post(
        "/api/v1/orgs/brent/staff/import", content=csv_of(rows), headers=headers
    )
    assert done.status_code == 200, done.text
    assert (done.json()["created"], done.json()["errors"]) == (30, [])
    assert await count_members(db) == 30
    listed = await client.get("/api/v1/orgs/brent/staff?limit=5", headers=brent.headers)
    assert [m["employee_id"] for m in listed.json()] == [
        "E0001",
        "E0002",
        "E0003",
        "E0004",
        "E0005",
    ]
