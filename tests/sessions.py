"""Tests act as members the way a signed-in browser does: through a real server-side session.

No request header turns an org token into a person (issue 13): a member acts only through
the session the sign-in callback issues. ``sign_in`` issues that same session through the
node's own session store (``SsoRuntime.build(...).sessions``, Redis), skipping only the trip
to the identity provider, which tests/integration/sso and the browser tests drive for real.
What comes back is what the browser then sends: the session cookie and, on unsafe methods,
the session's CSRF token (``GET /api/v1/me`` hands a page's script the same token).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from network.app import build_runtime
from network.config import Settings
from network.runtime import Runtime
from network.sso.flow import SsoRuntime
from network.sso.sessions import CSRF_HEADER
from network.sso.store import RedisStore
from orgs.people.members import Member
from tests import services

#: The issuer recorded when the member has never signed in at an IdP (only logout reads it).
TEST_ISSUER = "urn:mentornet:test-session"


@dataclass(frozen=True)
class SignedIn:
    """One member's live session on one node."""

    member_id: uuid.UUID
    cookie_name: str
    session_id: str
    csrf: str

    @property
    def cookies(self) -> dict[str, str]:
        return {self.cookie_name: self.session_id}

    @property
    def headers(self) -> dict[str, str]:
        """Per-request headers: the session cookie and its CSRF token, and no token at all, so
        several members can share one client without sharing its cookie jar."""
        return {"Cookie": f"{self.cookie_name}={self.session_id}", CSRF_HEADER: self.csrf}

    def client(self, base_url: str) -> httpx.AsyncClient:
        """A client that is this member's browser: the cookie in its jar, the CSRF token set."""
        return httpx.AsyncClient(
            base_url=base_url, cookies=self.cookies, headers={CSRF_HEADER: self.csrf}
        )


async def sign_in(
    org_slug: str,
    members: Iterable[Member],
    *,
    settings: Settings | None = None,
    runtime: Runtime | None = None,
) -> list[SignedIn]:
    """A new session for each of ``members`` (of the org ``org_slug``), on ``runtime``'s node
    if given, else on the node of ``settings`` (default: the in-process test node)."""
    own = runtime is None
    used = runtime or build_runtime(settings or services.node_settings(services.DATABASE_URL))
    try:
        sso = SsoRuntime.build(used.settings, used)
        # A memory store would hold a session that no node process could see.
        assert isinstance(sso.store, RedisStore), "sessions need the node's Redis"
        return [await _session(sso, org_slug, member) for member in members]
    finally:
        if own:
            await used.close()


async def _session(sso: SsoRuntime, org_slug: str, member: Member) -> SignedIn:
    assert member.id is not None, "flush the member before signing them in"
    session = await sso.sessions.create(
        member_id=member.id,
        org_id=member.org_id,
        org_slug=org_slug,
        issuer=member.idp_issuer or TEST_ISSUER,
        id_token=None,
        replacing=None,
    )
    return SignedIn(member.id, sso.cookies.session, session.id, session.record.csrf)
