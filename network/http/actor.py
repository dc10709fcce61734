"""Who is acting: an org, optionally a member of it, and the roles they hold.

Two ways in, each its own kind of caller:
- a browser session from the org's own SSO (``network.sso``): the session's member, with
  their stored roles plus the derived line-manager flag; unsafe methods need the session's
  CSRF token (``network.sso.csrf``). This is the only way a person acts.
- an org API token (``Authorization: Bearer``, which wins over a cookie and needs no CSRF
  token): the org's script, with the token's roles and no member. No header or parameter
  turns a token into a person (tests sign members in through real sessions, ``tests/sessions``).

Each counts against its own rate limit (``network.rate_limits``) once it is known to be real,
so nobody can use up another's allowance by sending its cookie or token id.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from network.http.dependencies import Db, authenticate_token
from network.runtime import Runtime
from network.sso.csrf import SAFE_METHODS, check_csrf
from network.sso.flow import SsoRuntime
from orgs.errors import NotFound, Unauthenticated
from orgs.people.actor import Actor
from orgs.people.identity import signed_in_member
from orgs.people.roles import TOKEN_ROLES


async def provide_actor(request: Request[Any, Any, Any], db: Db) -> Actor:
    actor = await _actor(request, db)
    # Tenancy, once per request: an org-scoped route of another org is simply not there.
    slug = request.path_params.get("slug")
    if slug is not None and slug != actor.org_slug:
        raise NotFound(f"No organisation {slug!r} on this node.")
    return actor


async def _session_actor(request: Request[Any, Any, Any], db: Db) -> Actor | None:
    sso = SsoRuntime.of(request.app.state)
    cookie = request.cookies.get(sso.cookies.session)
    if cookie is None:
        return None
    session = await sso.sessions.load(cookie)
    if session is None:
        raise Unauthenticated("Your session has ended; please sign in again.")
    await Runtime.of(request.app.state).limits.admit("session", session.id)
    record = session.record
    found = await signed_in_member(db, record.org_id, record.member_id)
    if found is None:
        await sso.sessions.destroy(session.id)
        raise Unauthenticated("Your session has ended; please sign in again.")
    if request.method not in SAFE_METHODS:
        await check_csrf(request, session)
    return Actor(
        record.org_id,
        found.member,
        found.roles,
        f"member {found.member.id}",
        org_slug=record.org_slug,
        via="session",
        line_manager=found.line_manager,
    )


async def _actor(request: Request[Any, Any, Any], db: Db) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        session_actor = await _session_actor(request, db)
        if session_actor is not None:
            return session_actor
        raise Unauthenticated("Sign in, or send an org API token as 'Authorization: Bearer …'.")
    principal = await authenticate_token(request, db, token.strip())
    roles = TOKEN_ROLES[principal.role]
    label = "org token (" + ", ".join(sorted(r.value for r in roles)) + ")"
    return Actor(principal.org_id, None, roles, label, org_slug=principal.org_slug, via="token")


#: Handler parameter type for the app-level ``actor`` dependency.
Actor_ = NamedDependency[Actor]
