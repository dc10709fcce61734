"""A bounded schemathesis run over the OpenAPI of a real server: no 5xx, responses conform."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from network.config import Settings
from tests.conftest import Cli
from tests.live import live_node

SCHEMATHESIS = Path(sys.executable).parent / "st"


def test_openapi_lists_the_routes(settings: Settings) -> None:
    with live_node(settings) as node:
        schema = httpx.get(f"{node.url}/schema/openapi.json", timeout=10).json()
    assert "/health/ready" in schema["paths"]
    assert "/api/v1/orgs/{slug}" in schema["paths"]


def test_schemathesis_finds_no_server_error(
    settings: Settings, mentornet: Cli, tmp_path: Path
) -> None:
    mentornet("org", "create", "--slug", "brent", "--name", "Brent")
    token = mentornet("org", "token", "create", "--org", "brent").stdout.strip()
    with live_node(settings, log=tmp_path / "node.log") as node:
        done = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{node.url}/schema/openapi.json",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance",
                "--max-examples",
                "12",
                "--seed",
                "20261123",
                "--header",
                f"Authorization: Bearer {token}",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
