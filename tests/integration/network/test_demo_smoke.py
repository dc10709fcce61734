"""The zero-setup demo path: SQLite, no Redis, demo data, a real server answering ready."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from network.cli.context import CliContext
from network.cli.main import cli
from network.config import Settings
from network.demo import DEMO_ORGS
from tests.live import live_node


def test_demo_prepares_sqlite_and_a_real_server_answers_ready(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'demo.db'}")
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"], obj=CliContext(preset=settings))
    assert first.exit_code == 0, first.output
    assert f"{len(DEMO_ORGS)} organisations added" in first.stdout
    again = runner.invoke(cli, ["demo", "--no-serve"], obj=CliContext(preset=settings))
    assert "0 organisations added" in again.stdout

    listed = runner.invoke(cli, ["org", "list", "--json"], obj=CliContext(preset=settings))
    assert {o.slug for o in DEMO_ORGS} <= set(listed.stdout.split('"'))

    with live_node(settings) as node:
        ready = httpx.get(f"{node.url}/health/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["redis"] == "not configured"


def test_demo_refuses_prod(tmp_path: Path) -> None:
    settings = Settings(
        env="prod",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    )
    result = CliRunner().invoke(cli, ["demo", "--no-serve"], obj=CliContext(preset=settings))
    assert result.exit_code == 2
    assert "refuses" in result.stderr
