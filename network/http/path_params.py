"""Path parameter types shared by every controller and page."""

from __future__ import annotations

import uuid

from litestar.params import FromPath

Slug = FromPath[str]
Id = FromPath[uuid.UUID]
