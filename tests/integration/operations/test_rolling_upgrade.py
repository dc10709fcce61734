"""Rolling upgrades (issue 20.4): migrations only expand, so the previous release's workers keep
working on the new schema while the new release rolls out beside them.

"The previous release" is the code just before the newest migration reached main (read from
git history; while that migration is not yet committed, the committed tree is it). It runs as
its own processes — its CLI and its ``mentornet serve`` — against a database this release has
migrated, next to a node of this release on the same database: the old code writes through every
common path (organisations, tokens, staff import, roles, schemes, rules, applications and their
decisions, jobs) and serves API reads and a member's session, and the new node reads all of it.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from msgspec.structs import replace
from sqlalchemy import select

from network import migrate
from network.app import build_runtime
from network.config import Settings
from orgs.people.members import Member
from tests import services
from tests.integration.orgs.builders import DEMO_RULES, TEAM, csv_of
from tests.live import MENTORNET, live_node, settings_environ
from tests.sessions import sign_in

REPO = Path(__file__).resolve().parents[3]
VERSIONS = Path("network/migrations/versions")


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


def previous_release() -> str:
    """The commit before the newest migration arrived on main (HEAD if it is not committed)."""
    newest = sorted(p.name for p in (REPO / VERSIONS).glob("[0-9]*.py"))[-1]
    if git("rev-parse", "--is-shallow-repository") == "true":
        git("fetch", "--quiet", "--unshallow")
    arrived = git(
        "log", "--first-parent", "-1", "--format=%H", "--diff-filter=A", "--",
        str(VERSIONS / newest),
    )  # fmt: skip
    return git("rev-parse", f"{arrived}^1" if arrived else "HEAD")


@pytest.fixture(scope="module")
def old_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's source tree, as ``git archive`` gives it."""
    target = tmp_path_factory.mktemp("previous-release")
    tree = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", previous_release()],
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(tree)) as archive:
        archive.extractall(target, filter="data")
    assert (target / "network" / "cli").is_dir()
    return target


@pytest.fixture
def upgraded(settings: Settings) -> Iterator[Settings]:
    """A database migrated by this release, for old and new processes alike."""
    url = services.worker_database_url("rolling_upgrade")
    services.recreate_database(url)
    migrate.upgrade(Settings(database_url=url))
    yield replace(settings, database_url=url, jobs_worker=False, outbox_worker=False)
    services.drop_database(url)


class OldCli:
    def __init__(self, code: Path, settings: Settings) -> None:
        self.environ = {**settings_environ(settings), "PYTHONPATH": str(code)}

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [str(MENTORNET), *args],
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout


def the_code_that_ran(environ: dict[str, str]) -> str:
    probe = "import network, sys; sys.stdout.write(network.__file__)"
    done = subprocess.run(
        [str(Path(MENTORNET).with_name("python")), "-P", "-c", probe],  # -P: not the cwd
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


async def test_the_previous_releases_workers_run_on_the_new_schema(
    old_code: Path, upgraded: Settings, tmp_path: Path
) -> None:
    old = OldCli(old_code, upgraded)
    assert the_code_that_ran(old.environ).startswith(str(old_code))  # really the old tree

    # The old CLI writes through the common paths.
    old("org", "create", "--slug", "brent", "--name", "Brent")
    token = old("org", "token", "create", "--org", "brent").strip()
    export = tmp_path / "staff.csv"
    export.write_text(csv_of(p.row() for p in TEAM))
    old("org", "import-staff", "--org", "brent", str(export))
    old("org", "role", "grant", "--org", "brent", "--employee", "HRD", "--role", "hr_director")
    old("scheme", "create", "--org", "brent", "--slug", "mymentor", "--name", "MyMentor")
    old("eligibility", "set", "--org", "brent", "--scheme", "mymentor",
        "--file", str(DEMO_RULES / "brent.yaml"))  # fmt: skip
    applied = old("application", "apply", "--org", "brent", "--as", "MENTEE", "--scheme",
                  "mymentor", "--role", "mentee", "--hoped-gains", "Lead a team")  # fmt: skip
    app_id = applied.split()[0]
    old("application", "decide", "--org", "brent", "--as", "MGR", app_id, "--approve")
    old("jobs", "run-once")

    # A member signed in before the upgrade keeps their session on either release.
    runtime = build_runtime(upgraded)
    try:
        async with runtime.sessionmaker() as db:
            mentee = (await db.scalars(select(Member).where(Member.employee_id == "MENTEE"))).one()
        [session] = await sign_in("brent", [mentee], runtime=runtime)
    finally:
        await runtime.close()

    bearer = {"Authorization": f"Bearer {token}"}
    old_log = tmp_path / "old-node.log"
    with (
        live_node(upgraded, log=old_log, code=old_code) as old_node,
        live_node(upgraded, log=tmp_path / "new-node.log") as new_node,
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            for node in (old_node, new_node):
                ready = await client.get(f"{node.url}/health/ready")
                assert ready.status_code == 200, ready.text
                org = await client.get(f"{node.url}/api/v1/orgs/brent", headers=bearer)
                assert org.status_code == 200, org.text
                assert org.json()["slug"] == "brent"
                schemes = await client.get(f"{node.url}/api/v1/orgs/brent/schemes", headers=bearer)
                assert schemes.status_code == 200, schemes.text
                assert [s["slug"] for s in schemes.json()] == ["mymentor"]
                me = await client.get(f"{node.url}/api/v1/me", headers=session.headers)
                assert me.status_code == 200, me.text
            # The old node writes through the API on the new schema; the new node reads it.
            created = await client.post(
                f"{old_node.url}/api/v1/orgs/brent/tokens",
                json={"role": "coordinator", "label": "written by the old release"},
                headers=bearer,
            )
            assert created.status_code == 201, created.text
            listed = await client.get(f"{new_node.url}/api/v1/orgs/brent/tokens", headers=bearer)
            assert "written by the old release" in listed.text
    assert b"Traceback" not in old_log.read_bytes()


def test_the_previous_release_is_older_than_this_one(old_code: Path) -> None:
    """The check above means something only if the old tree lacks the newest migration."""
    newest = sorted(p.name for p in (REPO / VERSIONS).glob("[0-9]*.py"))[-1]
    assert not (old_code / VERSIONS / newest).exists()
    assert os.listdir(old_code / VERSIONS)  # and has the ones before it
