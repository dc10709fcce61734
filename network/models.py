"""Every ORM model of the node, imported in one place for Alembic's autogenerate."""

from __future__ import annotations

from orgs import models as org_models
from orgs.db import Base

metadata = Base.metadata

__all__ = ["metadata", "org_models"]
