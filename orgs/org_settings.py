"""An org's own settings for staff data and approvals, kept in ``orgs.settings`` (JSON).

- ``staff_columns``: our field name → the header of the org's HR export, for exports whose
  headers differ from the default ones.
- ``grade_order``: the org's grades from lowest to highest, for "grade at least / at most".
- ``approval_reminder_working_days``: line-manager decisions overdue after this many working days.
- ``brand_colour``: the colour of the org's web pages (header), ``#rrggbb``; a neutral blue by
  default.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from matching.taxonomy import is_known
from orgs.errors import InvalidInput, NotFound
from orgs.models import Org

DEFAULT_REMINDER_WORKING_DAYS = 10
DEFAULT_BRAND_COLOUR = "#1d70b8"

#: The columns of an HR export we understand; any other column is kept as an attribute.
STAFF_FIELDS = (
    "employee_id",
    "email",
    "given_name",
    "family_name",
    "department",
    "job_title",
    "grade",
    "location",
    "manager_employee_id",
    "employment_type",
    "school_based",
    "start_date",
)


class OrgSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    staff_columns: dict[str, str] = msgspec.field(default_factory=dict)
    grade_order: list[Annotated[str, msgspec.Meta(min_length=1, max_length=50)]] = msgspec.field(
        default_factory=list
    )
    approval_reminder_working_days: Annotated[int, msgspec.Meta(ge=1, le=60)] = (
        DEFAULT_REMINDER_WORKING_DAYS
    )
    brand_colour: Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")] = DEFAULT_BRAND_COLOUR
    #: The org's own topic labels, each mapped to a shared taxonomy id (e.g. "Tenancy
    #: management" → "housing"); members may rate topics by these labels.
    topic_labels: dict[Annotated[str, msgspec.Meta(min_length=1, max_length=100)], str] = (
        msgspec.field(default_factory=dict)
    )


def check_settings(settings: OrgSettings) -> OrgSettings:
    for label, topic_id in settings.topic_labels.items():
        if not is_known(topic_id):
            raise InvalidInput.on(
                f"topic_labels.{label}", f"{topic_id!r} is not a topic of the shared taxonomy"
            )
    for field in settings.staff_columns:
        if field not in STAFF_FIELDS:
            raise InvalidInput.on(
                f"staff_columns.{field}",
                f"not a staff field; use one of {', '.join(STAFF_FIELDS)}",
            )
    headers = [h.strip().lower() for h in settings.staff_columns.values()]
    if any(not h for h in headers) or len(set(headers)) != len(headers):
        raise InvalidInput.on("staff_columns", "each field needs its own, non-empty header")
    if len(set(settings.grade_order)) != len(settings.grade_order):
        raise InvalidInput.on("grade_order", "a grade appears twice")
    return settings


def settings_of(org: Org) -> OrgSettings:
    stored: dict[str, Any] = dict(org.settings or {})
    known = {k: v for k, v in stored.items() if k in OrgSettings.__struct_fields__}
    return msgspec.convert(known, OrgSettings)


async def load_org(session: AsyncSession, org_id: uuid.UUID) -> Org:
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org


async def read_settings(session: AsyncSession, org_id: uuid.UUID) -> OrgSettings:
    return settings_of(await load_org(session, org_id))


async def update_settings(
    session: AsyncSession, org_id: uuid.UUID, settings: OrgSettings
) -> OrgSettings:
    check_settings(settings)
    org = await load_org(session, org_id)
    merged = dict(org.settings or {})
    merged.update(msgspec.to_builtins(settings))
    org.settings = merged
    await session.flush()
    return settings
