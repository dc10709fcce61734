"""Every ORM model of the node, imported in one place for Alembic's autogenerate."""

from __future__ import annotations

from orgs import members as member_models
from orgs import models as org_models
from orgs import roles as role_models
from orgs.db import Base

metadata = Base.metadata

__all__ = ["member_models", "metadata", "org_models", "role_models"]
