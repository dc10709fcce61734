"""Org API tokens for admins' scripts: shown once, stored only as a hash, scoped to one org."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.errors import InvalidInput, NotFound, Unauthenticated
from orgs.models import Org, OrgApiToken, TokenRole
from orgs.repository import OrgRepository

TOKEN_PREFIX = "mnt_"  # noqa: S105 - a prefix, not a secret

#: Token use is recorded at most this often: an UPDATE per read would serialise every request
#: of one token on that token's row lock.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    # The token carries 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


class TokenIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: TokenRole
    label: Annotated[str, msgspec.Meta(max_length=200)] = ""


@dataclass(frozen=True)
class AuthenticatedToken:
    """An org API token once authenticated: its org and role. A script, never a person."""

    org_id: uuid.UUID
    org_slug: str
    role: TokenRole
    token_id: uuid.UUID


class TokenRepository(OrgRepository[OrgApiToken]):
    model = OrgApiToken
    noun = "token"


def parse_role(role: str) -> TokenRole:
    try:
        return TokenRole(role)
    except ValueError:
        allowed = ", ".join(r.value for r in TokenRole)
        raise InvalidInput.on("role", f"{role!r} is not a role; use one of {allowed}") from None


class TokenService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, org: Org, role: TokenRole, label: str = "") -> tuple[str, OrgApiToken]:
        """Return the plain token (to show once) and its stored record."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRepository(self.session, org.id).add(
            OrgApiToken(token_hash=hash_token(token), role=role, label=label[:200])
        )
        await self.session.flush()
        return token, record

    async def list(self, org: Org) -> Sequence[OrgApiToken]:
        return await TokenRepository(self.session, org.id).list(order_by=OrgApiToken.created_at)

    async def revoke(self, org: Org, token_id: uuid.UUID) -> OrgApiToken:
        record = await TokenRepository(self.session, org.id).get(token_id)
        if record.revoked_at is None:
            record.revoked_at = utcnow()
        return record

    async def authenticate(self, token: str) -> AuthenticatedToken:
        """The principal behind a bearer token; the same error for unknown and revoked ones."""
        if not token.startswith(TOKEN_PREFIX):
            raise Unauthenticated("The bearer token is not valid.")
        row = (
            await self.session.execute(
                # The whole org, so that a handler reading it next finds it in the session.
                select(OrgApiToken, Org)
                .join(Org, Org.id == OrgApiToken.org_id)
                .where(OrgApiToken.token_hash == hash_token(token))
            )
        ).first()
        if row is None or row[0].revoked_at is not None:
            raise Unauthenticated("The bearer token is not valid.")
        record, org = row
        now = utcnow()
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
            record.last_used_at = now
        return AuthenticatedToken(
            org_id=record.org_id, org_slug=org.slug, role=record.role, token_id=record.id
        )


def parse_token_id(token_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(token_id)
    except ValueError:
        raise NotFound("No such token.") from None
