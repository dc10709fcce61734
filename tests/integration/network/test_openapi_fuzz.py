"""A bounded schemathesis run over the OpenAPI of a real server: no 5xx, responses conform."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from tests.integration.network.helpers import org_with_token
from tests.live import live_node

SCHEMATHESIS = Path(sys.executable).parent / "st"


async def test_openapi_has_the_documented_routes(settings: Settings) -> None:
    import httpx

    with live_node(settings) as node:
        schema = httpx.get(f"{node.url}/schema/openapi.json", timeout=10).json()
    assert "/health/ready" in schema["paths"]
    assert "/api/v1/orgs/{slug}" in schema["paths"]


async def test_schemathesis_finds_no_server_error(
    settings: Settings, db: AsyncSession, tmp_path: Path
) -> None:
    brent = await org_with_token(db, "brent")
    with live_node(settings, log=tmp_path / "node.log") as node:
        done = subprocess.run(  # noqa: S603 - our own dev tool
            [
                str(SCHEMATHESIS),
                "run",
                f"{node.url}/schema/openapi.json",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance",
                "--max-examples",
                "25",
                "--seed",
                "20261123",
                "--header",
                f"Authorization: {brent.headers['Authorization']}",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
