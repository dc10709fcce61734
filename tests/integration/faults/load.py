"""Load from outside: clients that keep calling a live node while the test breaks its stores,
each call recorded with its answer, its latency and the phase it started in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Call:
    key: str
    phase: str
    status: int
    seconds: float
    content_type: str
    retry_after: str | None
    problem_type: str | None


def recorded(key: str, phase: str, started: float, response: httpx.Response) -> Call:
    content_type = response.headers.get("content-type", "")
    problem_type = None
    if content_type == "application/problem+json":
        problem_type = str(response.json().get("type"))
    return Call(
        key=key,
        phase=phase,
        status=response.status_code,
        seconds=time.monotonic() - started,
        content_type=content_type,
        retry_after=response.headers.get("retry-after"),
        problem_type=problem_type,
    )


Request = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]


@dataclass
class Load:
    """``clients`` loops of ``request(client, key)`` until stopped; ``phase`` names the part of
    the test each call starts in."""

    request: Request
    clients: int
    phase: str = "up"
    calls: list[Call] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _recorded: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _client(self, number: int, client: httpx.AsyncClient) -> None:
        count = 0
        while not self._stop.is_set():
            count += 1
            key = f"c{number}-{count}"
            phase, started = self.phase, time.monotonic()
            response = await self.request(client, key)
            async with self._recorded:
                self.calls.append(recorded(key, phase, started, response))
                self._recorded.notify_all()

    async def run(self) -> None:
        # Generous client timeout: the node must answer within its own bound, which the
        # test checks from the latencies; a hang would show as a call of 30 s.
        async with httpx.AsyncClient(timeout=30) as client:
            await asyncio.gather(*(self._client(n, client) for n in range(self.clients)))

    def stop(self) -> None:
        self._stop.set()

    async def answered(self, status: int, timeout_s: float = 15) -> None:
        """Wait until a call of the current phase got ``status`` (e.g. the node warmed up)."""
        async with asyncio.timeout(timeout_s), self._recorded:
            await self._recorded.wait_for(
                lambda: any(call.status == status for call in self.in_phase(self.phase))
            )

    def in_phase(self, phase: str) -> list[Call]:
        return [call for call in self.calls if call.phase == phase]
