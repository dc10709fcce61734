"""This node's copy of each network's record: every version, as applied, with the token its
author's node signed it in (the signed copy that outlives the founding node).

Node-wide, like the federation tables: a network belongs to no single org here. Who may read a
version is decided by the services (an org must be in the record), never by this store.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import String, Text, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, utcnow
from orgs.networks.record import Change, NetworkRecord, record_hash


class NetworkVersion(Base):
    __tablename__ = "network_versions"
    __table_args__ = (UniqueConstraint("network_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    network_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    record_hash: Mapped[str] = mapped_column(String(43))
    record: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The org ref whose change made this version, and the change itself.
    author: Mapped[str] = mapped_column(String(300))
    change: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The JWS its author's node sent ("" when the author is an org of this node).
    signed: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_record(self) -> NetworkRecord:
        return msgspec.convert(self.record, NetworkRecord)


class Replica:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest(self, network_id: str) -> NetworkVersion | None:
        return await self.session.scalar(
            select(NetworkVersion)
            .where(NetworkVersion.network_id == network_id)
            .order_by(NetworkVersion.version.desc())
            .limit(1)
        )

    async def current(self, network_id: str) -> NetworkRecord | None:
        row = await self.latest(network_id)
        return row.as_record() if row is not None else None

    async def history(self, network_id: str) -> Sequence[NetworkVersion]:
        return (
            await self.session.scalars(
                select(NetworkVersion)
                .where(NetworkVersion.network_id == network_id)
                .order_by(NetworkVersion.version)
            )
        ).all()

    async def add(
        self, record: NetworkRecord, change: Change, author: str, signed: str = ""
    ) -> NetworkVersion:
        row = NetworkVersion(
            network_id=record.network_id,
            version=record.version,
            record_hash=record_hash(record),
            record=msgspec.to_builtins(record),
            author=author,
            change=msgspec.to_builtins(change),
            signed=signed,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def drop(self, network_id: str, version: int) -> None:
        """Forget one version (a concurrent sibling that lost the tie-break)."""
        await self.session.execute(
            delete(NetworkVersion).where(
                NetworkVersion.network_id == network_id, NetworkVersion.version == version
            )
        )

    async def network_ids(self) -> list[str]:
        return list(await self.session.scalars(select(NetworkVersion.network_id).distinct()))

    async def all_current(self) -> list[NetworkRecord]:
        records = [await self.current(network_id) for network_id in await self.network_ids()]
        return [r for r in records if r is not None]
