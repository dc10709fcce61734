"""Start-up refusal is checked on the real console script, as an operator would meet it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MENTORNET = Path(sys.executable).parent / "mentornet"


def test_prod_serve_without_secret_or_redis_exits_2_naming_both() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORNET_")}
    environ.update(
        MENTORNET_ENV="prod",
        MENTORNET_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test",
        MENTORNET_BASE_URL="https://node.example",
    )
    done = subprocess.run(
        [str(MENTORNET), "serve", "--port", "1"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "MENTORNET_SECRET_KEY" in done.stderr
    assert "MENTORNET_REDIS_URL" in done.stderr
    assert "Traceback" not in done.stderr
