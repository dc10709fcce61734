"""Who is acting: an org, optionally a member of it, and the roles they hold.

Two ways in, one result:
- a browser session from the org's own SSO (added by the sign-in work), and
- an org API token, optionally with ``X-Acting-Member: <member id>`` naming a member of the
  token's org. That header is for tests and the dev demo only: it is refused in prod, where
  members act only through their own sessions. Handlers depend on ``Actor`` alone, so the
  session path replaces the header without touching them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from litestar import Request
from litestar.di import NamedDependency

from network.http.dependencies import Db
from network.runtime import Runtime
from orgs.errors import Unauthenticated
from orgs.members import Member, MemberRepository, MemberStatus
from orgs.roles import TOKEN_ROLES, Role, roles_of
from orgs.tokens import TokenService

ACTING_MEMBER_HEADER = "x-acting-member"


@dataclass(frozen=True)
class Actor:
    org_id: uuid.UUID
    org_slug: str
    member: Member | None  # None for a bare org token (an admin's script)
    roles: frozenset[Role]
    via: Literal["token", "session"]

    def has(self, role: Role) -> bool:
        return role in self.roles


async def provide_actor(request: Request[Any, Any, Any], db: Db) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Sign in, or send an org API token as 'Authorization: Bearer …'.")
    principal = await TokenService(db).authenticate(token.strip())
    acting = request.headers.get(ACTING_MEMBER_HEADER)
    if acting is None:
        return Actor(
            principal.org_id, principal.org_slug, None, TOKEN_ROLES[principal.role], "token"
        )
    if Runtime.of(request.app.state).settings.is_prod:
        raise Unauthenticated(f"{ACTING_MEMBER_HEADER} is not accepted in prod; sign in instead.")
    try:
        member_id = uuid.UUID(acting)
    except ValueError:
        raise Unauthenticated(f"{ACTING_MEMBER_HEADER} must be a member id.") from None
    member = await MemberRepository(db, principal.org_id).find_one(
        Member.id == member_id, Member.status == MemberStatus.ACTIVE
    )
    if member is None:  # includes members of other orgs
        raise Unauthenticated(f"{ACTING_MEMBER_HEADER} names no active member of this org.")
    return Actor(principal.org_id, principal.org_slug, member, await roles_of(db, member), "token")


#: Handler parameter type for the app-level ``actor`` dependency.
Actor_ = NamedDependency[Actor]
