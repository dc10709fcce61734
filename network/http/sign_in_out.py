"""Response shapes of sign-in: who is calling, and an org's single sign-on settings."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from orgs.people.sso_config import SsoSettings


class CallerOut(msgspec.Struct, frozen=True):
    """Who is calling `/api/v1/me`: a signed-in member or an org token (not `people_out.MeOut`,
    a member's own record in their org)."""

    org: str
    via: str
    roles: list[str]
    member_id: uuid.UUID | None = None
    name: str | None = None
    job_title: str | None = None
    csrf_token: str | None = None


class SsoConfigOut(msgspec.Struct, frozen=True):
    settings: SsoSettings
    redirect_uri: str
    post_logout_redirect_uri: str
    updated_at: datetime
