"""Path and query parameter types shared by every controller and page.

Every query parameter is bounded, so that no value a client can type reaches the database
unchecked (an ``offset`` past int64 was a 500): a breach is a 400 that names the parameter.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar.exceptions import ValidationException
from litestar.params import FromPath, QueryParameter

Slug = FromPath[str]
Id = FromPath[uuid.UUID]

#: Rows a listing may skip; past this a filter is the better question.
MAX_OFFSET = 1_000_000
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)]

#: A date-time query parameter, as OpenAPI's ``format: date-time`` says: RFC 3339 with a time
#: zone. Taken as text and read by :func:`instant`, because Litestar's lax query parsing would
#: also take a number of seconds, or a time with no zone.
DateTimeQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=40,
        schema_extra={"format": "date-time"},
        description="RFC 3339, with a time zone, e.g. 2026-01-31T09:00:00Z",
    ),
]
_AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True)]


def instant(value: str | None, name: str) -> datetime | None:
    """The date-time query parameter ``name``, or a 400 naming it."""
    if value is None:
        return None
    try:
        return msgspec.convert(value, _AwareDateTime)
    except msgspec.ValidationError:
        message = "must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T09:00:00Z"
        raise ValidationException(
            detail=f"{name}: {message}", extra=[{"key": name, "message": message}]
        ) from None
