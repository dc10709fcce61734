"""A PostgreSQL and a Redis of the test's own, on free loopback ports, that the test may stop,
freeze (SIGSTOP on the whole process group, backends included) and restart. Never the shared
servers: these live in a temporary folder and go away with it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.live import free_port

POSTGRES_USER = "postgres"
#: initdb and postgres refuse to run as root: as root, run them as postgres; else as ourselves.
RUN_AS = POSTGRES_USER if os.geteuid() == 0 else None


def _postgres_bin(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")
    return found


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # polling a starting process; not a timing assumption
    raise RuntimeError(f"nothing listens on port {port} after {timeout_s} s")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class OwnServer:
    """One server process (and its children) in a session of its own."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def user(self) -> str | None:
        return None

    def ready(self) -> None:
        """Block until the server answers (not only listens)."""

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            user=self.user(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not in the test's group: a Ctrl-C reaches the test only
        )
        log.close()
        _wait_for_port(self.port, self.process)
        self.ready()

    def stop(self) -> None:
        """A fast shutdown (SIGINT for PostgreSQL, SIGTERM for Redis): clients are cut off."""
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    stop_signal = signal.SIGTERM

    def freeze(self) -> None:
        """SIGSTOP the server and every child: PostgreSQL's backends are in sessions of their
        own (they call setsid), so the process group alone would leave them answering."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)  # first, so that it forks no new child
        for child in _children(self.process.pid):
            os.kill(child, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for child in _children(self.process.pid):
                os.kill(child, signal.SIGCONT)
            os.kill(self.process.pid, signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def log_path(self) -> Path:
        raise NotImplementedError


class OwnPostgres(OwnServer):
    stop_signal = signal.SIGINT  # "fast" shutdown: backends are terminated, clients cut off

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        subprocess.run(
            [
                _postgres_bin("initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                POSTGRES_USER,
                "--auth",
                "trust",
                "--no-sync",
                "--no-locale",
                "--encoding",
                "UTF8",
            ],
            user=RUN_AS,
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    def user(self) -> str | None:
        return RUN_AS

    def command(self) -> list[str]:
        return [
            _postgres_bin("postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self.folder}",
            "-c",
            "fsync=off",  # a process stop never loses what the kernel holds; the host stays up
            "-c",
            "max_connections=100",
        ]

    def ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done = subprocess.run(
                [_postgres_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                check=False,
                timeout=10,
            )
            if done.returncode == 0:
                return
            time.sleep(0.05)  # polling a starting server
        raise RuntimeError(f"PostgreSQL on port {self.port} did not become ready")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"


class OwnRedis(OwnServer):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()

    @property
    def log_path(self) -> Path:
        return self.folder / "redis.log"

    def command(self) -> list[str]:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RuntimeError("redis-server not found")
        return [
            redis_server,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@contextmanager
def own_folder() -> Iterator[Path]:
    """A temporary folder PostgreSQL's user may write (pytest's tmp_path is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="mentornet-faults-"))
    if RUN_AS is not None:
        shutil.chown(folder, RUN_AS)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    with own_folder() as folder:
        server = OwnPostgres(folder)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    with own_folder() as folder:
        server = OwnRedis(folder)
        server.start()
        try:
            yield server
        finally:
            server.stop()
