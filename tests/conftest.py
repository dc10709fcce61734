"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
from click.testing import CliRunner, Result
from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network import migrate
from network.app import build_runtime, create_app
from network.cli.context import CliContext
from network.cli.main import cli
from network.config import Settings
from network.db import create_engine, create_sessionmaker
from network.logs import configure_logging
from network.models import metadata
from tests import services

TABLES = [t.name for t in metadata.sorted_tables]


@pytest.fixture(scope="session")
def database_url() -> str:
    """A freshly migrated PostgreSQL database for this test worker."""
    url = services.worker_database_url(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    services.recreate_database(url)
    services.require_redis()
    migrate.upgrade(Settings(database_url=url))
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return services.node_settings(database_url)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each database test starts from empty tables and an empty Redis database."""
    yield
    # Asked after the test: a fixture it asked for by name (``getfixturevalue``, as a
    # parametrised fixture does) counts only once it was set up.
    if "database_url" in request.fixturenames:
        services.empty_tables(request.getfixturevalue("database_url"), TABLES)
        services.flush_redis()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


#: One app per distinct settings for the whole run: building one (300 routes) costs 0.3-0.8 s,
#: which was a sixth of the suite. Each test still gets a fresh runtime (engine, Redis, caches,
#: sign-in machinery) and logging bound to its own captured stderr.
_APPS: dict[bytes, Litestar] = {}


@pytest.fixture
def app(settings: Settings) -> Litestar:
    key = msgspec.json.encode(settings)
    built = _APPS.get(key)
    if built is None:
        built = _APPS[key] = create_app(settings)
        return built
    configure_logging(settings)
    built.state["runtime"] = build_runtime(settings)
    built.state.pop("sso", None)
    return built


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url=services.BASE_URL) as test_client:
        yield test_client


class Cli:
    """Runs ``mentornet`` in-process against the test database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(cli, list(args), obj=CliContext(preset=self.settings))


@pytest.fixture
def mentornet(settings: Settings) -> Cli:
    return Cli(settings)


# --- a second node's database, for tests where two real nodes talk over HTTP ---


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
    services.empty_tables(peer_database_url, TABLES)


@pytest.fixture
def peer_cli(peer_settings: Settings) -> Cli:
    return Cli(peer_settings)
