"""Slow and vanishing clients, on a real ``mentornet serve`` over real sockets: a body that
does not arrive in time is a 408 and frees the request; a client that leaves mid-body is logged
as that (499), not as a 500 with a traceback; neither writes anything."""

from __future__ import annotations

import contextlib
import select
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from msgspec.structs import replace

from network.config import Settings
from tests.conftest import Cli
from tests.live import LiveNode, live_node

TOKENS = "/api/v1/orgs/brent/tokens"
DEADLINE_S = 1.0


def _token(mentornet: Cli) -> str:
    mentornet("org", "create", "--slug", "brent", "--name", "Brent")
    token: str = mentornet("org", "token", "create", "--org", "brent").stdout.strip()
    return token


def _open(node: LiveNode, token: str, length: int) -> socket.socket:
    """A connection that has sent the headers of a POST with a ``length``-byte JSON body."""
    parts = urlsplit(node.url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.sendall(
        (
            f"POST {TOKENS} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()
    )
    return sock


def _trickle(socks: list[socket.socket], limit_s: float) -> dict[socket.socket, bytes]:
    """Send each socket one byte of body every 0.2 s until the server has answered and closed
    every one (or ``limit_s`` passes); what each received."""
    answers = dict.fromkeys(socks, b"")
    open_ = set(socks)
    deadline = time.monotonic() + limit_s
    while open_ and time.monotonic() < deadline:
        for sock in list(open_):
            # Once the server has closed its side this fails; what it sent is still readable.
            with contextlib.suppress(OSError):
                sock.sendall(b" ")
        readable, _, _ = select.select(list(open_), [], [], 0.2)
        for sock in readable:
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            answers[sock] += chunk
            if not chunk:
                open_.discard(sock)
    for sock in socks:
        sock.close()
    return answers


def _tokens(node: LiveNode, token: str) -> list[object]:
    listed = httpx.get(f"{node.url}{TOKENS}", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    tokens: list[object] = listed.json()
    return tokens


def test_a_body_that_trickles_in_is_408_at_the_deadline_and_writes_nothing(
    settings: Settings, mentornet: Cli
) -> None:
    token = _token(mentornet)
    with live_node(replace(settings, body_timeout_s=DEADLINE_S)) as node:
        sock = _open(node, token, length=60)
        started = time.monotonic()
        answer = _trickle([sock], limit_s=20)[sock]
        elapsed = time.monotonic() - started
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer
        assert b"content-type: application/problem+json" in head.lower()
        assert b"connection: close" in head.lower()
        assert b"urn:mentornet:problem:request-timeout" in body
        # Answered at the deadline, and the connection closed then (the trickle went on).
        assert DEADLINE_S * 0.9 <= elapsed < DEADLINE_S + 4
        assert len(_tokens(node, token)) == 1  # only the token the test made


def test_two_hundred_slow_uploads_are_all_let_go_at_the_deadline(
    settings: Settings, mentornet: Cli
) -> None:
    token = _token(mentornet)
    with live_node(replace(settings, body_timeout_s=DEADLINE_S)) as node:
        socks = [_open(node, token, length=1000) for _ in range(200)]
        started = time.monotonic()
        live = httpx.get(f"{node.url}/health/live", timeout=5)
        assert live.status_code == 200  # the node answers others meanwhile
        answers = _trickle(socks, limit_s=30)
        elapsed = time.monotonic() - started
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers.values())
        assert elapsed < DEADLINE_S + 10
        assert len(_tokens(node, token)) == 1


def test_a_client_that_leaves_mid_body_is_logged_as_gone_not_as_a_500(
    settings: Settings, mentornet: Cli, tmp_path: Path
) -> None:
    token = _token(mentornet)
    log = tmp_path / "node.log"
    with live_node(replace(settings, log_level="INFO"), log=log) as node:
        sock = _open(node, token, length=100)
        sock.sendall(b'{"role": "ad')
        time.sleep(0.2)  # let the app start reading the body before the client goes
        sock.close()
        deadline = time.monotonic() + 10
        while "client_disconnected" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)  # polling the log of another process
        assert httpx.get(f"{node.url}/health/live").status_code == 200
        assert len(_tokens(node, token)) == 1
    text = log.read_text()
    assert "client_disconnected" in text
    [access] = [line for line in text.splitlines() if "POST" in line and "status=" in line]
    assert "status=499" in access
    assert "unhandled_error" not in text
    assert "Traceback" not in text
