"""An org's settings for requests and relationships, kept in ``orgs.settings["mentoring"]``.

- ``max_ranked_requests``: how many mentors a mentee may rank in one go (default 3).
- ``request_mode``: ``cascading`` sends one request at a time and, when it is declined or
  expires, the next ranked one goes; ``parallel`` sends them all and the first acceptance
  supersedes the rest. One-at-a-time is ``cascading`` with ``max_ranked_requests = 1``.
- ``request_expiry_days``: an unanswered request expires after this many days (default 10).
- ``nudge_after_weeks``: both parties are nudged when no meeting was held for this long.
- ``end_reminder_days``: the reminder before the planned end date.
- ``evaluation_overdue_days``: an evaluation not answered this long after it fell due is
  overdue (shown to coordinators).
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.org_settings import load_org

KEY = "mentoring"


class RequestMode(StrEnum):
    CASCADING = "cascading"
    PARALLEL = "parallel"


class MentoringSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    max_ranked_requests: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    request_mode: RequestMode = RequestMode.CASCADING
    request_expiry_days: Annotated[int, msgspec.Meta(ge=1, le=60)] = 10
    nudge_after_weeks: Annotated[int, msgspec.Meta(ge=1, le=26)] = 6
    end_reminder_days: Annotated[int, msgspec.Meta(ge=1, le=60)] = 14
    evaluation_overdue_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 21


async def mentoring_settings(session: AsyncSession, org_id: uuid.UUID) -> MentoringSettings:
    org = await load_org(session, org_id)
    stored: dict[str, Any] = dict((org.settings or {}).get(KEY) or {})
    known = {k: v for k, v in stored.items() if k in MentoringSettings.__struct_fields__}
    return msgspec.convert(known, MentoringSettings)


async def save_mentoring_settings(
    session: AsyncSession, org_id: uuid.UUID, settings: MentoringSettings
) -> MentoringSettings:
    org = await load_org(session, org_id)
    merged = dict(org.settings or {})
    merged[KEY] = msgspec.to_builtins(settings)
    org.settings = merged
    await session.flush()
    return settings
