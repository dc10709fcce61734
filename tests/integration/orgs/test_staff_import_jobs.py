"""Large staff imports run as jobs: 202 and a status URL that shows the progress, then the same
report the import gives when it runs at once; a bad file ends failed with every error and
changes nothing; another org's import is a 404; the worker loop runs them in a child process."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.app import create_app
from network.config import Settings
from network.db import create_sessionmaker
from network.import_worker import ImportRun
from network.jobs import run_once
from orgs.audit import ActorRef
from orgs.db import utcnow
from orgs.models import TokenRole
from orgs.people.members import Member, MemberRepository
from orgs.people.roles import Role
from orgs.records.staff_import_jobs import (
    LEASE,
    MAX_ATTEMPTS,
    ImportState,
    StaffImportJob,
    StaffImports,
    claim_next,
    record_progress,
)
from orgs.registry import OrgRegistry
from tests.conftest import Cli
from tests.integration.network.helpers import OrgWithToken, assert_problem, org_with_token
from tests.integration.orgs.builders import big_export, csv_of, grant, in_db
from tests.sessions import sign_in

Client = AsyncTestClient[Litestar]
#: Exports of more rows than this run as jobs in these tests.
INLINE_ROWS = 20
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def job_settings(settings: Settings) -> Settings:
    return replace(settings, staff_import_inline_rows=INLINE_ROWS)


@pytest.fixture
async def jobs_client(job_settings: Settings) -> AsyncIterator[Client]:
    """The node with a small inline limit (its worker loop off: the tests run the imports)."""
    async with AsyncTestClient(create_app(job_settings), base_url="http://127.0.0.1:8000") as c:
        yield c


def changed(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The export a month later: five promotions, four leavers (people nobody reports to)."""
    later = [dict(r) for r in rows[:-4]]
    for row in later[4:9]:
        row["job_title"] = "Senior Officer"
    return later


async def staff_of(client: Client, org: OrgWithToken) -> list[dict[str, Any]]:
    """Everyone of the org, leavers too, as its admin reads them through the API."""
    response = await client.get(
        f"/api/v1/orgs/{org.org.slug}/staff?include_leavers=true&limit=1000", headers=org.headers
    )
    assert response.status_code == 200, response.text
    staff: list[dict[str, Any]] = response.json()
    return staff


def without_ids(staff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What two orgs given the same files have alike (ids are their own, leaving times too)."""
    managers = {m["id"]: m["employee_id"] for m in staff}
    return [
        {
            **{k: v for k, v in m.items() if k not in ("id", "manager_id", "left_at")},
            "manager": managers.get(m["manager_id"]),
            "left": m["left_at"] is not None,
        }
        for m in staff
    ]


async def imported(client: Client, org: OrgWithToken, rows: list[dict[str, str]]) -> Any:
    """An export imported at once (under the inline limit of ``client``'s node)."""
    response = await client.post(
        f"/api/v1/orgs/{org.org.slug}/staff/import",
        content=csv_of(rows),
        headers={**org.headers, **CSV},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def queued(client: Client, org: OrgWithToken, text: str, query: str = "") -> str:
    """Send a large export; returns its status URL."""
    response = await client.post(
        f"/api/v1/orgs/{org.org.slug}/staff/import{query}",
        content=text,
        headers={**org.headers, **CSV},
    )
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    body = response.json()
    assert location == f"/api/v1/orgs/{org.org.slug}/staff/imports/{body['id']}"
    assert (body["state"], body["rows_total"], body["report"]) == ("queued", None, None)
    return location


async def run_next(engine: AsyncEngine, **options: Any) -> ImportState | None:
    """What a worker does with the oldest waiting import."""
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        claim = await claim_next(session, utcnow())
    assert claim is not None
    return await ImportRun(sessionmaker, claim, **options).run()


async def test_a_large_import_answers_202_and_its_status_shows_progress_then_the_report(
    client: Client, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent, nch = await org_with_token(db, "brent"), await org_with_token(db, "nch")
    first, later = big_export(60), changed(big_export(60))
    for org in (brent, nch):
        await imported(client, org, first)
    inline_report = await imported(client, nch, later)
    before = await staff_of(client, brent)

    location = await queued(jobs_client, brent, csv_of(later))
    status = (await jobs_client.get(location, headers=brent.headers)).json()
    assert (status["state"], status["detail"]) == ("queued", "Waiting for a worker.")

    seen: list[tuple[str, int | None, int, int]] = []

    async def look() -> None:  # after each progress report the worker commits
        now = (await jobs_client.get(location, headers=brent.headers)).json()
        seen.append((now["state"], now["rows_total"], now["rows_checked"], now["rows_written"]))
        assert await staff_of(client, brent) == before  # nothing shows until the end

    assert await run_next(engine, chunk_rows=10, on_progress=look) is ImportState.DONE
    checking = [("running", 56, n, 0) for n in (0, 10, 20, 30, 40, 50, 56)]
    writing = [("running", 56, 56, n) for n in (10, 20, 30, 40, 50, 56)]
    assert seen == checking + writing

    done = (await jobs_client.get(location, headers=brent.headers)).json()
    assert done["state"] == "done"
    assert (
        done["report"]
        == inline_report
        == {
            "created": 0,
            "updated": 5,
            "unchanged": 51,
            "left": 4,
            "errors": [],
            "dry_run": False,
        }
    )
    assert done["detail"] == "Imported: 0 new, 5 updated, 51 unchanged, 4 left."
    assert done["finished_at"] is not None
    assert without_ids(await staff_of(client, brent)) == without_ids(await staff_of(client, nch))
    stored = await db.scalar(
        select(StaffImportJob.content).execution_options(populate_existing=True)
    )
    assert stored is None  # the file is dropped once the import has ended


async def test_a_bad_large_import_ends_failed_with_every_error_and_changes_nothing(
    client: Client, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent, nch = await org_with_token(db, "brent"), await org_with_token(db, "nch")
    await imported(client, brent, big_export(60))
    before = await staff_of(client, brent)
    bad = changed(big_export(60))
    bad[24]["email"] = "nope"
    bad[39]["employee_id"] = "E0003"
    refused = await client.post(
        "/api/v1/orgs/nch/staff/import", content=csv_of(bad), headers={**nch.headers, **CSV}
    )
    inline_errors = assert_problem(refused, 422, "invalid-input")["errors"]

    location = await queued(jobs_client, brent, csv_of(bad))
    assert await run_next(engine, chunk_rows=10) is ImportState.FAILED

    failed = (await jobs_client.get(location, headers=brent.headers)).json()
    assert failed["state"] == "failed"
    assert failed["detail"] == "The file has 2 errors; nothing was imported."
    errors = failed["report"]["errors"]
    assert [
        {"field": f"rows[{e['row']}].{e['column']}", "message": e["message"]} for e in errors
    ] == inline_errors
    assert [(e["row"], e["column"]) for e in errors] == [(25, "email"), (40, "employee_id")]
    assert await staff_of(client, brent) == before


async def test_an_import_stopped_while_writing_leaves_nothing_and_starts_again(
    client: Client, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent = await org_with_token(db, "brent")
    await imported(client, brent, big_export(60))
    before = await staff_of(client, brent)
    location = await queued(jobs_client, brent, csv_of(changed(big_export(60))))
    reports: list[int] = []

    async def count() -> None:
        reports.append(len(reports))

    def stop() -> bool:  # the worker is told to stop while it writes (its 4th chunk)
        return len(reports) >= 10

    state = await run_next(engine, chunk_rows=10, on_progress=count, stop=stop)
    assert state is ImportState.QUEUED
    back = (await jobs_client.get(location, headers=brent.headers)).json()
    assert (back["state"], back["rows_checked"], back["rows_written"]) == ("queued", 0, 0)
    assert await staff_of(client, brent) == before  # the chunks written were rolled back

    assert await run_next(engine, chunk_rows=10) is ImportState.DONE
    done = (await jobs_client.get(location, headers=brent.headers)).json()
    assert (done["state"], done["report"]["updated"], done["report"]["left"]) == ("done", 5, 4)


async def test_a_database_failure_while_writing_leaves_nothing_and_the_import_waits_again(
    client: Client, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent = await org_with_token(db, "brent")
    await imported(client, brent, big_export(60))
    before = await staff_of(client, brent)
    location = await queued(jobs_client, brent, csv_of(changed(big_export(60))))
    reports = 0

    async def cut_the_writer() -> None:  # the server ends the writing connection mid-import
        nonlocal reports
        reports += 1
        if reports == 9:
            async with engine.connect() as connection:
                await connection.execute(TERMINATE_WRITER)

    assert await run_next(engine, chunk_rows=10, on_progress=cut_the_writer) is ImportState.QUEUED
    back = (await jobs_client.get(location, headers=brent.headers)).json()
    assert (back["state"], back["detail"]) == ("queued", "Waiting for a worker.")
    assert await staff_of(client, brent) == before
    attempts = await db.scalar(select(StaffImportJob.attempts))
    assert attempts == 1  # a failure counts as an attempt
    assert await run_next(engine, chunk_rows=10) is ImportState.DONE


#: Ends the connection that holds this database's import lock (the one writing the rows).
TERMINATE_WRITER = text(
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def test_a_large_dry_run_is_a_job_too_and_writes_nothing(
    client: Client, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent = await org_with_token(db, "brent")
    location = await queued(jobs_client, brent, csv_of(big_export(60)), "?dry_run=true")
    assert await run_next(engine) is ImportState.DONE
    done = (await jobs_client.get(location, headers=brent.headers)).json()
    assert (done["state"], done["dry_run"], done["report"]["created"]) == ("done", True, 60)
    assert done["detail"] == "Dry run, nothing saved: 60 new, 0 updated, 0 unchanged, 0 left."
    assert await staff_of(client, brent) == []


async def test_an_ended_import_is_forgotten_after_the_retention_days(
    jobs_client: Client, job_settings: Settings, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent = await org_with_token(db, "brent")
    bad = big_export(60)
    bad[30]["email"] = "someone-at-brent"  # the error quotes the file
    location = await queued(jobs_client, brent, csv_of(bad))
    assert await run_next(engine) is ImportState.FAILED
    sessionmaker = create_sessionmaker(engine)
    keep = timedelta(days=job_settings.message_retention_days)
    await run_once(sessionmaker, job_settings, utcnow() + keep - timedelta(hours=1))
    assert (await jobs_client.get(location, headers=brent.headers)).json()["state"] == "failed"
    await run_once(sessionmaker, job_settings, utcnow() + keep + timedelta(hours=1))
    assert_problem(await jobs_client.get(location, headers=brent.headers), 404, "not-found")


async def test_a_small_import_still_runs_at_once(jobs_client: Client, db: AsyncSession) -> None:
    brent = await org_with_token(db, "brent")
    assert (await imported(jobs_client, brent, big_export(INLINE_ROWS)))["created"] == INLINE_ROWS


async def test_another_orgs_import_is_not_found(
    jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent, harrow = await org_with_token(db, "brent"), await org_with_token(db, "harrow")
    coordinator = await org_with_token(db, "brent", TokenRole.COORDINATOR)
    location = await queued(jobs_client, brent, csv_of(big_export(60)))
    import_id = location.rsplit("/", 1)[1]

    theirs = await jobs_client.get(
        f"/api/v1/orgs/harrow/staff/imports/{import_id}", headers=harrow.headers
    )
    assert_problem(theirs, 404, "not-found")
    other_slug = await jobs_client.get(location, headers=harrow.headers)
    assert_problem(other_slug, 404, "not-found")
    missing = await jobs_client.get(
        f"/api/v1/orgs/brent/staff/imports/{uuid.uuid4()}", headers=brent.headers
    )
    assert_problem(missing, 404, "not-found")
    assert_problem(await jobs_client.get(location, headers=coordinator.headers), 403, "forbidden")
    refused = await jobs_client.post(
        "/api/v1/orgs/brent/staff/import",
        content=csv_of(big_export(60)),
        headers={**coordinator.headers, **CSV},
    )
    assert_problem(refused, 403, "forbidden")
    async with create_sessionmaker(engine)() as session:
        assert len(await StaffImports(session, brent.org.id).recent()) == 1  # nothing queued


async def test_a_dead_workers_import_is_taken_over_and_the_old_claim_writes_nothing(
    client: Client, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent = await org_with_token(db, "brent")
    location = await queued(jobs_client, brent, csv_of(big_export(60)))
    sessionmaker = create_sessionmaker(engine)
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        dead = await claim_next(session, now)
        assert dead is not None
        assert await claim_next(session, now) is None  # held, and the lease is fresh
    async with sessionmaker() as session, session.begin():
        later = await claim_next(session, now + LEASE + timedelta(seconds=1))
        assert later is not None
    async with sessionmaker() as session, session.begin():
        assert not await record_progress(session, dead, utcnow(), rows_checked=1)
    assert await ImportRun(sessionmaker, dead).run() is None
    assert await staff_of(client, brent) == []
    assert await ImportRun(sessionmaker, later).run() is ImportState.DONE
    assert (await jobs_client.get(location, headers=brent.headers)).json()["state"] == "done"


async def test_an_import_that_stops_every_worker_is_failed_after_its_attempts(
    jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    brent = await org_with_token(db, "brent")
    location = await queued(jobs_client, brent, csv_of(big_export(60)))
    sessionmaker = create_sessionmaker(engine)
    now = utcnow()
    for attempt in range(MAX_ATTEMPTS + 1):
        async with sessionmaker() as session, session.begin():
            claim = await claim_next(session, now + (LEASE + timedelta(seconds=1)) * attempt)
            assert (claim is None) is (attempt == MAX_ATTEMPTS)
    failed = (await jobs_client.get(location, headers=brent.headers)).json()
    assert failed["state"] == "failed"
    assert failed["detail"].startswith(f"The import stopped {MAX_ATTEMPTS} times")
    assert failed["report"] is None


async def wait_for_end(client: Client, location: str, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = (await client.get(location, headers=headers)).json()
        if status["state"] in ("done", "failed"):
            return status
        await asyncio.sleep(0.2)  # polling a job in another process; not a timing assumption
    raise AssertionError(f"the import at {location} did not end: {status}")


async def test_the_worker_loop_runs_an_import_in_a_child_process(
    job_settings: Settings, db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    app = create_app(replace(job_settings, jobs_worker=True))
    async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as live:
        location = await queued(live, brent, csv_of(big_export(60)))
        done = await wait_for_end(live, location, brent.headers)
        assert (done["state"], done["report"]["created"]) == ("done", 60)
        assert len(await staff_of(live, brent)) == 60


def test_jobs_run_once_runs_the_waiting_imports(mentornet: Cli, settings: Settings) -> None:
    async def queue(session: AsyncSession) -> uuid.UUID:
        org = await OrgRegistry(session).create("brent", "Brent")
        job = StaffImports(session, org.id).queue(
            csv_of(big_export(60)).encode(), {}, ActorRef.system("test"), dry_run=False
        )
        await session.flush()
        return job.id

    job_id = in_db(settings, queue)
    result = mentornet("jobs", "run-once")
    assert result.exit_code == 0, result.output
    assert "staff imports: 1 done, 0 failed" in result.output

    async def state(session: AsyncSession) -> tuple[ImportState, int]:
        job = await session.get(StaffImportJob, job_id)
        assert job is not None
        return job.state, len(await MemberRepository(session, job.org_id).list())

    assert in_db(settings, state) == (ImportState.DONE, 60)


# --- the admin page ----------------------------------------------------------------------------


async def signed_in_admin(
    settings: Settings, client: Client, db: AsyncSession, slug: str
) -> tuple[Member, str]:
    """An org admin signed in on ``client`` (the session cookie in its jar); their CSRF token."""
    org = await OrgRegistry(db).find(slug) or await OrgRegistry(db).create(slug, slug.title())
    member = MemberRepository(db, org.id).add(
        Member(employee_id="ADMIN", given_name="Ada", family_name="Min", email="ada@b.example")
    )
    await db.flush()
    await grant(db, member, Role.ORG_ADMIN)
    await db.commit()
    (session,) = await sign_in(slug, [member], settings=settings)
    client.cookies.update(session.cookies)
    return member, session.csrf


async def test_the_admin_page_queues_a_large_upload_and_shows_its_status(
    job_settings: Settings, jobs_client: Client, db: AsyncSession, engine: AsyncEngine
) -> None:
    _, csrf = await signed_in_admin(job_settings, jobs_client, db, "brent")
    rows = big_export(60)
    rows.append({**rows[-1], "employee_id": "ADMIN", "email": "ada@b.example"})
    sent = await jobs_client.post(
        "/orgs/brent/admin/staff-import",
        data={"csrf_token": csrf},
        files={"file": ("staff.csv", csv_of(rows).encode(), "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    page_url = sent.headers["location"]
    assert page_url.startswith("/orgs/brent/admin/staff-imports/")
    waiting = await jobs_client.get(page_url)
    assert waiting.status_code == 200
    assert "Waiting to start" in waiting.text
    assert "by Ada Min" in waiting.text  # the sender by name, not their id
    assert "Refresh this page" in waiting.text

    assert await run_next(engine) is ImportState.DONE
    done = await jobs_client.get(page_url)
    assert "Staff imported" in done.text
    assert "60 new, 1 updated, 0 unchanged, 0 left" in done.text
    assert "Refresh this page" not in done.text
    form = await jobs_client.get("/orgs/brent/admin/staff-import")
    assert page_url in form.text  # the recent imports link to their status

    other = await OrgRegistry(db).create("harrow", "Harrow")
    await db.commit()
    theirs = page_url.replace("/orgs/brent/", f"/orgs/{other.slug}/")
    assert (await jobs_client.get(theirs)).status_code == 404
