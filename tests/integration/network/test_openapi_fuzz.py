"""A bounded schemathesis run over the OpenAPI of a real server, with every check on: no 5xx,
responses conform to the document (status, content type, headers, schema, ``Allow``), requests
are taken or refused as the document says, and the run cannot revoke its own token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from msgspec.structs import replace

from network.config import Settings
from tests.conftest import Cli
from tests.live import live_node

SCHEMATHESIS = Path(sys.executable).parent / "st"
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
#: Revoking tokens is left out: the run would revoke the one it runs with and test nothing more.
REVOKE_TOKEN = "/api/v1/orgs/{slug}/tokens/{token_id}"


def test_openapi_lists_the_routes(settings: Settings) -> None:
    with live_node(settings) as node:
        schema = httpx.get(f"{node.url}/schema/openapi.json", timeout=10).json()
    assert "/health/ready" in schema["paths"]
    assert "/api/v1/orgs/{slug}" in schema["paths"]


@pytest.mark.timeout(900)  # every check and phase: a few minutes on a busy machine
def test_schemathesis_finds_no_server_error_and_no_conformance_failure(
    settings: Settings, mentornet: Cli, tmp_path: Path
) -> None:
    mentornet("org", "create", "--slug", "brent", "--name", "Brent")
    token = mentornet("org", "token", "create", "--org", "brent").stdout.strip()
    # The fuzzer's burst on one token is far past a person's pace: the limit stays on (so its
    # 429 is checked against the document too) but high enough for the whole run.
    fuzzed = replace(settings, rate_limit_token="100000/minute")
    with live_node(fuzzed, log=tmp_path / "node.log") as node:
        done = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(CONFIG),
                "run",
                f"{node.url}/schema/openapi.json",
                "--checks",
                "all",
                "--exclude-path",
                REVOKE_TOKEN,
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
            env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
            timeout=800,
            check=False,
        )
        still = httpx.get(
            f"{node.url}/api/v1/orgs/brent", headers={"Authorization": f"Bearer {token}"}
        )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert still.status_code == 200  # the token the run used still works
