"""Response shapes of ``/api/v1/orgs/{slug}``: the organisation and its API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from orgs.models import TokenRole


class OrgOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    name: str
    created_at: datetime


class TokenOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    role: TokenRole
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedToken(msgspec.Struct, frozen=True):
    token: str
    details: TokenOut
