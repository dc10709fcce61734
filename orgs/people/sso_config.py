"""Each org's own OpenID Connect identity provider: where it is and how to read its claims.

The client secret is never stored: only a *reference* to it (``env:NAME`` or ``file:/path``),
resolved by ``network`` at sign-in time. Claim names and group → role mappings are data, so an
org whose IdP says ``employeeNumber`` instead of ``employee_id`` needs no code change.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import msgspec
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import InvalidInput, NotFound
from orgs.people.roles import Role
from orgs.repository import OrgRepository


class LinkingPolicy(StrEnum):
    """How a first sign-in finds the member's HR-imported record."""

    EMPLOYEE_ID = "employee_id"
    #: Employee id first; else an unlinked record with the same email, if the IdP says verified.
    EMPLOYEE_ID_OR_VERIFIED_EMAIL = "employee_id_or_verified_email"


class ClaimMapping(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which claim of the IdP carries each member attribute ("" = the IdP does not send it)."""

    email: str = "email"
    email_verified: str = "email_verified"
    name: str = "name"
    given_name: str = "given_name"
    family_name: str = "family_name"
    employee_id: str = "employee_id"
    department: str = "department"
    job_title: str = "job_title"
    manager_employee_id: str = "manager_employee_id"
    groups: str = "groups"


class SsoSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An org's SSO configuration as set by its admin (the boundary shape of API and CLI)."""

    issuer: str
    client_id: str
    client_secret_ref: str
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    claims: ClaimMapping = ClaimMapping()
    #: IdP group name → roles granted (source ``sso``) to members in that group.
    group_roles: dict[str, tuple[Role, ...]] = msgspec.field(default_factory=dict)
    linking: LinkingPolicy = LinkingPolicy.EMPLOYEE_ID
    enabled: bool = True


class OrgSsoConfig(OrgOwned, Base):
    __tablename__ = "org_sso_configs"
    __table_args__ = (UniqueConstraint("org_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: ``env:NAME`` or ``file:/absolute/path`` — never the secret itself.
    client_secret_ref: Mapped[str] = mapped_column(String(500))
    scopes: Mapped[str] = mapped_column(String(500), default="openid email profile")
    claims: Mapped[dict[str, Any]] = mapped_column(default=dict)
    group_roles: Mapped[dict[str, Any]] = mapped_column(default=dict)
    linking: Mapped[LinkingPolicy] = mapped_column(
        enum_column(LinkingPolicy), default=LinkingPolicy.EMPLOYEE_ID
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def to_settings(self) -> SsoSettings:
        return SsoSettings(
            issuer=self.issuer,
            client_id=self.client_id,
            client_secret_ref=self.client_secret_ref,
            scopes=tuple(self.scopes.split()),
            claims=msgspec.convert(self.claims, ClaimMapping),
            group_roles=msgspec.convert(self.group_roles, dict[str, tuple[Role, ...]]),
            linking=self.linking,
            enabled=self.enabled,
        )


class SsoConfigRepository(OrgRepository[OrgSsoConfig]):
    model = OrgSsoConfig
    noun = "SSO configuration"


SECRET_REF = re.compile(r"^(env:[A-Z_][A-Z0-9_]{0,127}|file:/[^\x00-\x1f]{1,400})$")
SECRET_REF_RULE = "env:NAME (an upper-case environment variable) or file:/absolute/path"  # noqa: S105
SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")  # RFC 6749 scope-token


def is_loopback(host: str | None) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


def check_settings(settings: SsoSettings, *, allow_http_loopback: bool) -> SsoSettings:
    """Refuse what cannot be right, with the field at fault (the IdP is not contacted)."""
    parts = urlsplit(settings.issuer)
    https = parts.scheme == "https"
    if not (
        https or (allow_http_loopback and parts.scheme == "http" and is_loopback(parts.hostname))
    ):
        raise InvalidInput.on(
            "issuer", "must be an https:// URL (http:// only for a loopback dev IdP)"
        )
    if parts.query or parts.fragment or not parts.netloc:
        raise InvalidInput.on("issuer", "must be an absolute URL with no query or fragment")
    if not 1 <= len(settings.client_id) <= 255:
        raise InvalidInput.on("client_id", "must be 1–255 characters")
    if not SECRET_REF.fullmatch(settings.client_secret_ref):
        raise InvalidInput.on(
            "client_secret_ref", f"must be a reference to the secret: {SECRET_REF_RULE}"
        )
    if "openid" not in settings.scopes:
        raise InvalidInput.on("scopes", "must include 'openid'")
    for scope in settings.scopes:
        if not SCOPE.fullmatch(scope):
            raise InvalidInput.on("scopes", f"{scope!r} is not a valid scope")
    for group in settings.group_roles:
        if not 1 <= len(group) <= 200:
            raise InvalidInput.on("group_roles", "group names must be 1–200 characters")
    return settings


class SsoConfigService:
    """Reads and replaces one org's SSO configuration. Never commits."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.repo = SsoConfigRepository(session, org_id)

    async def find(self) -> OrgSsoConfig | None:
        return await self.repo.find_one()

    async def get(self) -> OrgSsoConfig:
        row = await self.find()
        if row is None:
            raise NotFound("This organisation has no single sign-on configured yet.")
        return row

    async def set(self, settings: SsoSettings, *, allow_http_loopback: bool) -> OrgSsoConfig:
        check_settings(settings, allow_http_loopback=allow_http_loopback)
        row = await self.find() or self.repo.add(OrgSsoConfig())
        row.issuer = settings.issuer
        row.client_id = settings.client_id
        row.client_secret_ref = settings.client_secret_ref
        row.scopes = " ".join(dict.fromkeys(settings.scopes))
        row.claims = msgspec.to_builtins(settings.claims)
        row.group_roles = {g: [r.value for r in roles] for g, roles in settings.group_roles.items()}
        row.linking = settings.linking
        row.enabled = settings.enabled
        await self.repo.session.flush()
        return row
