"""Two nodes for tests that cross real HTTP (federation, operations): ours in-process (explicit
clock), theirs served live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from network.config import Settings
from tests.live import free_port
from tests.nodes import Node, node


@pytest.fixture
async def ours(settings: Settings) -> AsyncIterator[Node]:
    here = node(settings, "http://127.0.0.1:8000")
    yield here
    await here.runtime.close()


@pytest.fixture
def peer_port() -> int:
    return free_port()


@pytest.fixture
async def theirs(peer_settings: Settings, peer_port: int) -> AsyncIterator[Node]:
    there = node(peer_settings, f"http://127.0.0.1:{peer_port}")
    yield there
    await there.runtime.close()
