"""Real ``mentornet serve`` processes on loopback ports, for tests that cross real HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from network.config import Settings, to_environ

MENTORNET = Path(sys.executable).parent / "mentornet"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def settings_environ(settings: Settings) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MENTORNET_")}
    return {**inherited, **to_environ(settings)}


@dataclass
class LiveNode:
    url: str
    process: subprocess.Popen[bytes]


#: A node starts in 2-3 s on a quiet machine; on a shared 2-core one under load (several suites
#: at once) importing the app alone has taken over 40 s. A node that exits is seen at once.
START_TIMEOUT_S = 150.0


def wait_until_live(
    url: str, process: subprocess.Popen[bytes], timeout_s: float = START_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node at {url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process; not a timing assumption
    raise RuntimeError(f"the node at {url} did not start within {timeout_s} s")


@contextmanager
def live_node(
    settings: Settings,
    *args: str,
    log: Path | None = None,
    port: int | None = None,
    code: Path | None = None,
    start_timeout_s: float = START_TIMEOUT_S,
) -> Iterator[LiveNode]:
    """Start ``mentornet serve`` with ``settings`` on ``port`` (default: a free one), running
    the source tree ``code`` if given (another release's), else the one installed."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    environ = settings_environ(settings)
    if code is not None:
        environ["PYTHONPATH"] = str(code)
    environ["MENTORNET_BASE_URL"] = url  # a node's id is where it listens
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(MENTORNET), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=environ,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: its workers are stopped with it
    )
    try:
        wait_until_live(url, process, start_timeout_s)
        yield LiveNode(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # Killing Granian's main process alone would leave its workers running (pulling
            # feeds, delivering) against the next test's tables.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if log:
            output.close()  # type: ignore[union-attr]
