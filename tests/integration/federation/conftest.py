"""A second node's database, for tests where two real nodes talk over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from msgspec.structs import replace

from network import migrate
from network.config import Settings
from tests import services
from tests.conftest import TABLES, Cli


@pytest.fixture(scope="session")
def peer_database_url(database_url: str) -> str:
    url = services.worker_database_url(os.environ.get("PYTEST_XDIST_WORKER", "main") + "_peer")
    services.recreate_database(url)
    migrate.upgrade(Settings(database_url=url))
    return url


@pytest.fixture
def peer_settings(settings: Settings, peer_database_url: str) -> Iterator[Settings]:
    yield replace(
        settings, database_url=peer_database_url, secret_key="peer-" + settings.secret_key
    )
    services.truncate(peer_database_url, TABLES)


@pytest.fixture
def peer_cli(peer_settings: Settings) -> Cli:
    return Cli(peer_settings)
