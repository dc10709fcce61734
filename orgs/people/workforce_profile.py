"""The organisation's workforce profile: counts of staff per equality category, as its admin
uploads them from HR (an aggregate: never people), to compare each scheme's reach against."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from sqlalchemy import String, UniqueConstraint, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import FieldError, InvalidInput
from orgs.people.equality import Characteristic, reporting_categories
from orgs.repository import OrgRepository

Count = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]


class WorkforceIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Per characteristic, per reporting category: how many staff. Replaces what was there."""

    counts: dict[Characteristic, dict[Annotated[str, msgspec.Meta(max_length=40)], Count]]


class WorkforceCount(OrgOwned, Base):
    __tablename__ = "equality_workforce"
    __table_args__ = (UniqueConstraint("org_id", "characteristic", "category"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    characteristic: Mapped[Characteristic] = mapped_column(enum_column(Characteristic))
    category: Mapped[str] = mapped_column(String(40))
    count: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class _Counts(OrgRepository[WorkforceCount]):
    model = WorkforceCount
    noun = "workforce count"


def _check(data: WorkforceIn) -> None:
    errors = []
    for characteristic, counts in data.counts.items():
        known = reporting_categories(characteristic)
        for category in counts:
            if category not in known:
                errors.append(
                    FieldError(
                        f"counts.{characteristic.value}.{category}",
                        "not a category: one of " + ", ".join(known),
                    )
                )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), tuple(errors))


async def upload_workforce(
    session: AsyncSession, org_id: uuid.UUID, data: WorkforceIn
) -> dict[Characteristic, dict[str, int]]:
    _check(data)
    for characteristic, counts in data.counts.items():
        await session.execute(
            delete(WorkforceCount).where(
                WorkforceCount.org_id == org_id, WorkforceCount.characteristic == characteristic
            )
        )
        repo = _Counts(session, org_id)
        for category, count in counts.items():
            repo.add(WorkforceCount(characteristic=characteristic, category=category, count=count))
    await session.flush()
    return await workforce(session, org_id)


async def workforce(
    session: AsyncSession, org_id: uuid.UUID
) -> dict[Characteristic, dict[str, int]]:
    out: dict[Characteristic, dict[str, int]] = {}
    for row in await _Counts(session, org_id).list():
        out.setdefault(row.characteristic, {})[row.category] = row.count
    return out
