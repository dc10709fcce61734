"""Org-scoped data access: every query of an org-owned table goes through here.

A repository is bound to one ``org_id`` at construction, so a query that forgets the
org cannot be written by accident. Rows of another org behave exactly like missing rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from orgs.db import OrgOwned
from orgs.errors import NotFound

ModelT = TypeVar("ModelT", bound=OrgOwned)


class OrgRepository(Generic[ModelT]):
    model: type[ModelT]
    noun = "record"

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def select(self, *where: ColumnElement[bool]) -> Select[ModelT]:
        """A SELECT of this model already filtered to the bound org."""
        return select(self.model).where(self.model.org_id == self.org_id, *where)

    async def get(self, row_id: uuid.UUID) -> ModelT:
        row = await self.find_one(self._column("id") == row_id)
        if row is None:
            raise NotFound(f"No such {self.noun}.")
        return row

    async def find_one(self, *where: ColumnElement[bool]) -> ModelT | None:
        return (await self.session.scalars(self.select(*where).limit(1))).first()

    async def list(self, *where: ColumnElement[bool], order_by: Any = None) -> Sequence[ModelT]:
        query = self.select(*where)
        if order_by is not None:
            query = query.order_by(order_by)
        return (await self.session.scalars(query)).all()

    def add(self, row: ModelT) -> ModelT:
        row.org_id = self.org_id
        self.session.add(row)
        return row

    def _column(self, name: str) -> ColumnElement[Any]:
        column: ColumnElement[Any] = getattr(self.model, name)
        return column
