"""Per-request dependencies: the unit of work and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from federation.local_delivery import settle
from network.runtime import Runtime
from orgs.errors import Unauthenticated
from orgs.tokens import AuthenticatedToken, TokenService

#: Handler parameter types for the app-level dependencies of the same names.
Db = NamedDependency[AsyncSession]
Principal_ = NamedDependency[AuthenticatedToken]


async def provide_db(state: State) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once after the handler succeeds."""
    async with Runtime.of(state).sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
            # Answer once what it queued for this node's own organisations was handled.
            await settle(session)


async def provide_principal(request: Request[Any, Any, Any], db: Db) -> AuthenticatedToken:
    """The org and role behind ``Authorization: Bearer <org token>``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send an org API token as 'Authorization: Bearer <token>'.")
    return await authenticate_token(request, db, token.strip())


async def authenticate_token(
    request: Request[Any, Any, Any], db: AsyncSession, token: str
) -> AuthenticatedToken:
    """The token's org and role, counted against the token's own rate limit once it is known
    to be real (so nobody spends another's allowance by guessing at it)."""
    principal = await TokenService(db).authenticate(token)
    await Runtime.of(request.app.state).limits.admit("token", str(principal.token_id))
    return principal


def here_of(request: Request[Any, Any, Any]) -> str:
    """This node's id: the "other node" of a pair between two of its own organisations."""
    return Runtime.of(request.app.state).settings.base_url
