"""Redacting a person's name, email and labels from every free-text copy on this node.

Names are copied into text as it is written: a notification says "Rosa Doyle has agreed to
mentor you", an email repeats it, an audit entry is labelled "member <id>". Rather than keep a
list of those places (which the next feature would forget), erasure sweeps every string and
JSON column of every table, except the tables the caller handles structurally (where a blind
replacement would break a record, e.g. a signed message that must stay valid). Erasure is rare
and the sweep runs inside it, so a scan of each column is an acceptable price for not missing
one.

Only whole identifying strings are needles (a full name, an email, a label), matched without
regard to case: a bare given or family name would also match other people and ordinary words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable
from typing import Any, Final

from sqlalchemy import JSON, Column, Enum, String, Table, Text, cast, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import Base

#: What a redacted name reads as, wherever it was.
ERASED_NAME: Final = "a former member"
MIN_NEEDLE: Final = 3  # shorter strings would match inside ordinary words


def _pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    wanted = {n.strip() for n in needles if len(n.strip()) >= MIN_NEEDLE}
    wanted |= {html.escape(n) for n in wanted}  # as an HTML email carries it
    if not wanted:
        return None
    longest_first = sorted(wanted, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in longest_first), re.IGNORECASE)


def _like(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _scrub(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """``value`` with every needle replaced, through JSON lists and objects."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_scrub(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, replacement) for k, v in value.items()}
    return value


def _text_columns(table: Table) -> list[Column[Any]]:
    return [
        c
        for c in table.columns
        if (isinstance(c.type, String) and not isinstance(c.type, Enum)) or isinstance(c.type, JSON)
    ]


async def _redact_column(
    session: AsyncSession,
    table: Table,
    column: Column[Any],
    needles: list[str],
    pattern: re.Pattern[str],
    replacement: str,
) -> int:
    keys = list(table.primary_key.columns)
    found = await session.execute(
        select(*keys, column).where(
            or_(*(cast(column, Text).ilike(_like(n), escape="\\") for n in needles))
        )
    )
    length = getattr(column.type, "length", None)
    changed = 0
    for *key, value in found:
        new = _scrub(value, pattern, replacement)
        if isinstance(new, str) and length:
            new = new[:length]
        if new != value:
            where = [k == v for k, v in zip(keys, key, strict=True)]
            await session.execute(update(table).where(*where).values({column.name: new}))
            changed += 1
    return changed


async def redact_everywhere(
    session: AsyncSession,
    needles: Iterable[str],
    *,
    skip: Collection[str],
    replacement: str = ERASED_NAME,
) -> int:
    """Replace each needle in every string and JSON column of every table but ``skip`` (table
    names); returns how many values changed. Flushes first, so no pending ORM change of the
    same rows is written over them afterwards."""
    wanted = sorted({n.strip() for n in needles if len(n.strip()) >= MIN_NEEDLE})
    pattern = _pattern(wanted)
    if pattern is None:
        return 0
    await session.flush()
    likes = sorted({*wanted, *(html.escape(n) for n in wanted)})
    changed = 0
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        for column in _text_columns(table):
            changed += await _redact_column(session, table, column, likes, pattern, replacement)
    return changed
