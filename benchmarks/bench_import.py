"""Staff import on PostgreSQL: a 10,000-row HR export, first import and re-imports.

Run as ``python -m benchmarks.bench_import [--rows N]``. Uses a scratch database
``mentornet_bench_<namespace>import`` on the server of ``MENTORNET_TEST_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), dropped and created afresh.

The reference, measured in the same run, is the floor for any import: asyncpg's binary COPY
of the same rows into an unindexed table. Ratios say how far above that floor we are.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.scratch_database import dsn, recreate
from network import migrate
from network.config import Settings
from network.db import create_engine, create_sessionmaker
from orgs.records.staff_import import StaffImporter, parse_staff_csv
from orgs.registry import OrgRegistry

T = TypeVar("T")
HEADER = [
    "employee_id", "email", "given_name", "family_name", "department", "job_title", "grade",
    "location", "manager_employee_id", "employment_type", "school_based", "start_date",
    "cost_centre",
]  # fmt: skip


def export(rows: int, changed: int = 0, removed: int = 0) -> str:
    """A tree of ``rows`` staff (8 reports per manager), with some rows changed or removed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for i in range(1, rows + 1 - removed):
        manager = f"E{(i - 2) // 8 + 1:06d}" if i > 1 else ""
        title = "Senior Officer" if i <= changed else "Officer"
        writer.writerow(
            [
                f"E{i:06d}", f"person{i}@example.gov.uk", f"Given{i}", f"Family{i}",
                f"Department {i % 40}", title, f"G{i % 9 + 1}", "Civic Centre", manager,
                "permanent", "no", "2015-04-01", f"CC{i % 120}",
            ]
        )  # fmt: skip
    return out.getvalue()


async def timed(label: str, rows: int, work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.3f} s  {rows / seconds:10,.0f} rows/s", flush=True)
    return seconds, result


async def copy_reference(url: str, text: str) -> None:
    records = [tuple(r) for r in csv.reader(io.StringIO(text))][1:]
    connection = await asyncpg.connect(dsn(url))
    try:
        columns = ", ".join(f'"{h}" text' for h in HEADER)
        await connection.execute(f"CREATE TEMP TABLE reference_copy (id uuid, {columns})")
        await connection.copy_records_to_table(
            "reference_copy",
            records=[(uuid.uuid4(), *r) for r in records],
            columns=["id", *HEADER],
        )
    finally:
        await connection.close()


async def main(rows: int) -> None:
    url = await recreate("import")
    settings = Settings(database_url=url)
    await asyncio.to_thread(migrate.upgrade, settings)
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)

    async def unit(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async with sessions() as session, session.begin():
            return await work(session)

    org = await unit(lambda s: OrgRegistry(s).create("bench", "Benchmark Council"))
    first = export(rows)
    changes = max(1, rows // 100)
    second = export(rows, changed=changes, removed=changes)
    print(f"staff import, {rows:,} rows, PostgreSQL")

    reference, _ = await timed(
        "reference: asyncpg COPY of the same rows", rows, lambda: copy_reference(url, first)
    )
    await timed("parse and validate only", rows, lambda: asyncio.to_thread(parse_staff_csv, first))
    created, report = await timed(
        "first import (all created)", rows,
        lambda: unit(lambda s: StaffImporter(s, org.id).run(first)),
    )  # fmt: skip
    assert report.created == rows, report
    _, report = await timed(
        "re-import, nothing changed", rows,
        lambda: unit(lambda s: StaffImporter(s, org.id).run(first)),
    )  # fmt: skip
    assert report.unchanged == rows, report
    _, report = await timed(
        f"re-import, {changes} changed and {changes} left", rows,
        lambda: unit(lambda s: StaffImporter(s, org.id).run(second)),
    )  # fmt: skip
    assert (report.updated, report.left) == (changes, changes), report
    print(f"first import / COPY reference: {created / reference:.1f}×")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().rows))
