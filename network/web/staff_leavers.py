"""Who a staff import would mark as having left: every active member with an employee id who
is not in the file (the file is the complete list). Read before anything is written, so the
page can warn by name and ask for a confirmation first."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from network.http.dependencies import Db
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.records.staff_import import RowError, parse_staff_csv

#: Names listed in the warning; the rest are counted.
SHOWN = 50


@dataclass(frozen=True)
class Leavers:
    count: int
    names: list[str]  # "Given Family (employee id)", the first SHOWN, by name

    @property
    def more(self) -> int:
        return self.count - len(self.names)


async def would_leave(
    db: Db, org_id: uuid.UUID, content: bytes, columns: Mapping[str, str] | None
) -> Leavers:
    rows, errors = parse_staff_csv(content, columns)
    if errors:
        return Leavers(0, [])
    in_file = {r.employee_id for r in rows}
    members = await MemberRepository(db, org_id).list(
        Member.employee_id.is_not(None), Member.status == MemberStatus.ACTIVE
    )
    gone = sorted(
        (m for m in members if m.employee_id not in in_file),
        key=lambda m: (m.family_name.lower(), m.given_name.lower()),
    )
    return Leavers(len(gone), [f"{m.display_name} ({m.employee_id})" for m in gone[:SHOWN]])


_ON_ROW = re.compile(r"\b(on row|row) (\d+)\b")


def spreadsheet_row(error: RowError) -> RowError:
    """``error`` numbered as in the spreadsheet: the header is row 1, the first person row 2
    (the import counts data rows from 1), in the message too ("first on row 3")."""
    message = _ON_ROW.sub(lambda m: f"{m.group(1)} {int(m.group(2)) + 1}", error.message)
    return RowError(error.row + 1, error.column, message)
