"""Fixtures for the sign-in suite: the real oidc-provider, orgs pointing at it, a clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from network.sso.flow import SsoRuntime
from orgs.models import Org
from orgs.people.roles import Role
from orgs.people.sso_config import LinkingPolicy, SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry
from tests.integration.sso.idp import CLIENT_SECRET, NODE_BASE, IdpServer, running_idp


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdpServer]:
    with running_idp(tmp_path_factory.mktemp("idp")) as server:
        yield server


@pytest.fixture(autouse=True)
def _idp_behaves(idp: IdpServer) -> None:
    idp.behave()


@dataclass
class Clock:
    """An explicit clock for the node's sign-in checks and session time-outs (no sleeps)."""

    now: float

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app: Litestar) -> Clock:
    clock = Clock(time.time())
    SsoRuntime.of(app.state).set_clock(clock)
    return clock


@pytest.fixture
async def browser(app: Litestar, clock: Clock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The node as a browser sees it: cookies kept, redirects not followed."""
    async with AsyncTestClient(app, base_url=NODE_BASE) as client:
        client.follow_redirects = False
        yield client


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "brent-client-secret"
    path.write_text(CLIENT_SECRET + "\n")
    return path


@dataclass(frozen=True)
class SsoOrgs:
    brent: Org
    harrow: Org


GROUP_ROLES: dict[str, tuple[Role, ...]] = {
    "mentornet-admins": (Role.ORG_ADMIN,),
    "mentoring-coordinators": (Role.COORDINATOR,),
    "hr-directors": (Role.HR_DIRECTOR,),
}


def sso_settings(issuer: str, slug: str, secret_ref: str) -> SsoSettings:
    return SsoSettings(
        issuer=issuer,
        client_id=f"mentornet-{slug}",
        client_secret_ref=secret_ref,
        scopes=("openid", "email", "profile", "mentornet"),
        group_roles=GROUP_ROLES,
        linking=LinkingPolicy.EMPLOYEE_ID,
    )


@pytest.fixture
async def sso_orgs(
    db: AsyncSession, idp: IdpServer, secret_file: Path, monkeypatch: pytest.MonkeyPatch
) -> SsoOrgs:
    """brent (secret from a file) and harrow (secret from the environment), each on its IdP."""
    monkeypatch.setenv("MENTORNET_TEST_SSO_HARROW_SECRET", CLIENT_SECRET)
    registry = OrgRegistry(db)
    brent = await registry.create("brent", "London Borough of Brent")
    harrow = await registry.create("harrow", "London Borough of Harrow")
    await SsoConfigService(db, brent.id).set(
        sso_settings(idp.issuers["brent"], "brent", f"file:{secret_file}"),
        allow_http_loopback=True,
    )
    await SsoConfigService(db, harrow.id).set(
        sso_settings(idp.issuers["harrow"], "harrow", "env:MENTORNET_TEST_SSO_HARROW_SECRET"),
        allow_http_loopback=True,
    )
    await db.commit()
    return SsoOrgs(brent, harrow)
