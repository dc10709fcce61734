"""Staff import from an HR export (CSV): all or nothing, idempotent, every error located.

Parsing and validation are pure (:func:`parse_staff_csv`); :class:`StaffImporter` compares the
valid rows with the org's members and writes the differences. Rows are numbered from 1 = the
first data row; row 0 is the header.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef, AuditLog
from orgs.db import utcnow
from orgs.errors import FieldError, InvalidInput
from orgs.org_settings import STAFF_FIELDS
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.schemes.applications import OPEN, Application, ApplicationRepository

REQUIRED = ("employee_id", "email")
MAX_LENGTHS = {
    "employee_id": 64,
    "email": 320,
    "given_name": 100,
    "family_name": 100,
    "department": 200,
    "job_title": 200,
    "grade": 50,
    "location": 200,
    "manager_employee_id": 64,
    "employment_type": 50,
}
EMAIL = re.compile(
    r"^[^@\s,;<>()\[\]\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
TRUE = frozenset({"true", "yes", "y", "1", "t"})
FALSE = frozenset({"false", "no", "n", "0", "f", ""})
MAX_ATTRIBUTE_LENGTH = 500


class StaffRow(msgspec.Struct, frozen=True, kw_only=True):
    """One valid row of an HR export, in our own field names."""

    row: int
    employee_id: str
    email: str
    given_name: str = ""
    family_name: str = ""
    department: str = ""
    job_title: str = ""
    grade: str = ""
    location: str = ""
    manager_employee_id: str | None = None
    employment_type: str = ""
    school_based: bool = False
    start_date: date | None = None
    attributes: dict[str, str] = msgspec.field(default_factory=dict)


class RowError(msgspec.Struct, frozen=True):
    row: int
    column: str
    message: str


class ImportReport(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    errors: list[RowError] = msgspec.field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class StaffImportFailed(InvalidInput):
    """Raised (after a full report is built) when any row is bad: nothing is written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(
            f"The file has {n} error{'s' if n != 1 else ''}; nothing was imported.",
            tuple(FieldError(f"rows[{e.row}].{e.column}", e.message) for e in report.errors),
        )


#: Words that mark a column as special-category data (UK GDPR art. 9): never imported from HR;
#: members declare ethnicity and disability themselves, with consent.
SPECIAL_CATEGORY_WORDS = (
    "ethnic", "race", "racial", "disab", "religio", "belief", "sexual", "sexuality", "health",
    "medical", "genetic", "biometric", "union",
)  # fmt: skip


def is_special_category(key: str) -> bool:
    return any(word.startswith(SPECIAL_CATEGORY_WORDS) for word in key.split("_"))


def attribute_key(header: str) -> str:
    """How an extra column is named for rules: lower case, words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return None


def parse_date(value: str) -> date | None:
    """ISO dates (2019-04-01) or UK dates (01/04/2019); raises ValueError otherwise."""
    text = value.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no zone
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class _Parse:
    rows: list[StaffRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def _header_map(
    headers: Sequence[str], columns: Mapping[str, str], result: _Parse
) -> dict[int, str]:
    """Position → our field name, or ``attr:<key>`` for kept extra columns."""
    theirs_to_ours = {header.strip().lower(): ours for ours, header in columns.items()}
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, raw in enumerate(headers):
        header = raw.strip()
        lowered = header.lower()
        if not header:
            continue
        if lowered in theirs_to_ours:
            name = theirs_to_ours[lowered]
        elif lowered in STAFF_FIELDS and lowered not in columns:
            name = lowered
        else:
            key = attribute_key(header)
            if not key:
                continue
            if is_special_category(key):
                result.error(
                    0,
                    header,
                    "special-category data is not imported from HR exports (members declare "
                    "it themselves, with consent): remove this column",
                )
                continue
            name = f"attr:{key}"
        if name in seen:
            result.error(0, header, "this column appears twice")
            continue
        seen[name] = position
        positions[position] = name
    for required in REQUIRED:
        if required not in seen:
            expected = columns.get(required, required)
            result.error(0, expected, f"the required column {expected!r} is missing")
    return positions


class _BadValue(ValueError):
    """A cell's value is not valid; the message says why."""


def _school_based(value: str) -> bool:
    flag = parse_bool(value)
    if flag is None:
        raise _BadValue(f"{value!r} is not a yes/no value (use true or false)")
    return flag


def _start_date(value: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        raise _BadValue(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def _optional(value: str) -> str | None:
    return value or None


#: Fields that are not plain text: how each cell becomes its value.
_FIELD_PARSERS: dict[str, Callable[[str], object]] = {
    "school_based": _school_based,
    "start_date": _start_date,
    "manager_employee_id": _optional,
}


def _parse_field(
    number: int, name: str, value: str, fields: dict[str, Any], result: _Parse
) -> None:
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        result.error(number, name, f"longer than {limit} characters")
        return
    parse = _FIELD_PARSERS.get(name)
    try:
        fields[name] = parse(value) if parse else value
    except _BadValue as bad:
        result.error(number, name, str(bad))


def _parse_attribute(
    number: int, key: str, value: str, attributes: dict[str, str], result: _Parse
) -> None:
    if len(value) > MAX_ATTRIBUTE_LENGTH:
        result.error(number, key, f"longer than {MAX_ATTRIBUTE_LENGTH} characters")
    elif value:
        attributes[key] = value


def _check_identity(number: int, fields: dict[str, Any], result: _Parse) -> None:
    """Every row names an employee id and a valid email (stored in lower case)."""
    if not fields.get("employee_id"):
        result.error(number, "employee_id", "is empty")
    email = fields.get("email", "")
    if not email:
        result.error(number, "email", "is empty")
    elif not EMAIL.fullmatch(email):
        result.error(number, "email", f"{email!r} is not an email address")
    else:
        fields["email"] = email.lower()


def _parse_row(number: int, values: dict[str, str], result: _Parse) -> StaffRow | None:
    before = len(result.errors)
    fields: dict[str, Any] = {"row": number}
    attributes: dict[str, str] = {}
    for name, raw in values.items():
        if name.startswith("attr:"):
            _parse_attribute(number, name[5:], raw.strip(), attributes, result)
        else:
            _parse_field(number, name, raw.strip(), fields, result)
    _check_identity(number, fields, result)
    if len(result.errors) != before:
        return None
    return StaffRow(attributes=attributes, **fields)


def _check_references(
    rows: Sequence[StaffRow],
    seen: Mapping[str, int],
    managers: Sequence[tuple[int, str]],
    result: _Parse,
) -> None:
    """Duplicates and unknown managers over every row (even bad ones); cycles over good ones."""
    for number, manager in managers:
        if manager not in seen:
            result.error(
                number, "manager_employee_id", f"unknown manager {manager!r} (not in the file)"
            )
    by_id = {r.employee_id: r for r in rows if seen.get(r.employee_id) == r.row}
    for cycle in find_cycles({r.employee_id: r.manager_employee_id for r in by_id.values()}):
        if not all(e in by_id for e in cycle):
            continue
        first_row = min(by_id[e].row for e in cycle)
        names = " → ".join(_who(by_id[e]) for e in [*cycle, cycle[0]])
        result.error(first_row, "manager_employee_id", f"management cycle: {names}")


def _who(row: StaffRow) -> str:
    name = f"{row.given_name} {row.family_name}".strip()
    return f"{name} ({row.employee_id})" if name else row.employee_id


def find_cycles(manager_of: Mapping[str, str | None]) -> list[list[str]]:
    """Every management cycle, each listed from its smallest id, each once."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []
    for start in sorted(manager_of):
        path: list[str] = []
        node: str | None = start
        while node is not None and node in manager_of and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = manager_of[node]
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            smallest = cycle.index(min(cycle))
            cycles.append(cycle[smallest:] + cycle[:smallest])
        for visited in path:
            state[visited] = 2
    return cycles


def parse_staff_csv(
    content: str | bytes, columns: Mapping[str, str] | None = None
) -> tuple[list[StaffRow], list[RowError]]:
    """Parse and validate a whole export; rows are returned only if there are no errors."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    result = _Parse()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        result.error(0, "", "the file is empty")
        return [], result.errors
    except csv.Error as exc:
        result.error(0, "", f"not a CSV file ({exc})")
        return [], result.errors
    positions = _header_map(headers, columns or {}, result)
    number = 0
    seen: dict[str, int] = {}
    managers: list[tuple[int, str]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            number += 1
            if len(values) > len(headers):
                result.error(number, "", f"{len(values)} values for {len(headers)} columns")
                continue
            named = {positions[i]: v for i, v in enumerate(values) if i in positions}
            employee_id = named.get("employee_id", "").strip()
            manager = named.get("manager_employee_id", "").strip()
            if employee_id in seen:
                result.error(
                    number,
                    "employee_id",
                    f"duplicate employee_id {employee_id!r} (first on row {seen[employee_id]})",
                )
            elif employee_id:
                seen[employee_id] = number
            if manager:
                managers.append((number, manager))
            row = _parse_row(number, named, result)
            if row is not None:
                result.rows.append(row)
    except csv.Error as exc:
        result.error(number + 1, "", f"not valid CSV ({exc})")
    if not any(e.row == 0 for e in result.errors):
        _check_references(result.rows, seen, managers, result)
    result.errors.sort(key=lambda e: (e.row, e.column))
    return (result.rows if not result.errors else []), result.errors


def _depth_order(rows: Sequence[StaffRow]) -> list[StaffRow]:
    """Managers before their reports, so every manager exists when a report is written."""
    manager_of = {r.employee_id: r.manager_employee_id for r in rows}
    depth: dict[str, int] = {}
    for row in rows:
        chain: list[str] = []
        node: str | None = row.employee_id
        while node is not None and node not in depth:
            chain.append(node)
            node = manager_of.get(node)
        base = depth[node] if node is not None else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member] = base + offset
    return sorted(rows, key=lambda r: (depth[r.employee_id], r.row))


_COMPARED = (
    "email",
    "given_name",
    "family_name",
    "department",
    "job_title",
    "grade",
    "location",
    "manager_employee_id",
    "employment_type",
    "school_based",
    "start_date",
)


def _changes(member: Member, row: StaffRow, manager_id: uuid.UUID | None) -> dict[str, Any]:
    changes: dict[str, Any] = {
        name: getattr(row, name)
        for name in _COMPARED
        if getattr(member, name) != getattr(row, name)
    }
    if member.attributes != row.attributes:
        changes["attributes"] = dict(row.attributes)
    if member.manager_id != manager_id:
        changes["manager_id"] = manager_id
    if member.status is not MemberStatus.ACTIVE:
        changes["status"] = MemberStatus.ACTIVE
        changes["left_at"] = None
    return changes


class StaffRepository(MemberRepository):
    async def by_employee_id(self) -> dict[str, Member]:
        members = await self.list(Member.employee_id.is_not(None))
        return {m.employee_id: m for m in members if m.employee_id is not None}

    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """One multi-row INSERT per batch (in order: managers first), always in this org."""
        if rows:
            await self.session.execute(insert(Member), [{**r, "org_id": self.org_id} for r in rows])


class StaffImporter:
    """Writes a validated export into one org. Never commits; the caller's unit of work does."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.staff = StaffRepository(session, org_id)

    async def run(
        self,
        content: str | bytes,
        columns: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
    ) -> ImportReport:
        """Import, or raise :class:`StaffImportFailed` with every error and write nothing."""
        rows, errors = parse_staff_csv(content, columns)
        if errors:
            raise StaffImportFailed(ImportReport(errors=errors, dry_run=dry_run))
        return await self.apply(rows, dry_run=dry_run)

    async def apply(self, rows: Iterable[StaffRow], *, dry_run: bool = False) -> ImportReport:
        ordered = _depth_order(list(rows))
        existing = await self.staff.by_employee_id()
        ids = {
            r.employee_id: (
                existing[r.employee_id].id if r.employee_id in existing else uuid.uuid4()
            )
            for r in ordered
        }
        report = ImportReport(dry_run=dry_run)
        updates: list[tuple[Member, dict[str, Any]]] = []
        new: list[dict[str, Any]] = []
        for row in ordered:
            manager_id = ids[row.manager_employee_id] if row.manager_employee_id else None
            member = existing.get(row.employee_id)
            if member is None:
                report.created += 1
                new.append(self._new_member(ids[row.employee_id], row, manager_id))
                continue
            changes = _changes(member, row, manager_id)
            if changes:
                report.updated += 1
                updates.append((member, changes))
            else:
                report.unchanged += 1
        leavers = [
            m
            for employee_id, m in existing.items()
            if employee_id not in ids and m.status is MemberStatus.ACTIVE
        ]
        report.left = len(leavers)
        if dry_run:
            return report
        now = utcnow()
        await self.staff.insert_many(new)
        for member, changes in updates:
            for name, value in changes.items():
                setattr(member, name, value)
        for member in leavers:
            member.status = MemberStatus.LEFT
            member.left_at = now
        await self._flag_open_applications([m.id for m in leavers])
        await self.session.flush()
        return report

    async def _flag_open_applications(self, leaver_ids: Sequence[uuid.UUID]) -> None:
        """Leavers' open applications stay as they are, flagged in their audit trail."""
        if not leaver_ids:
            return
        audit = AuditLog(self.session, self.staff.org_id)
        for app in await ApplicationRepository(self.session, self.staff.org_id).list(
            Application.member_id.in_(leaver_ids), Application.state.in_(OPEN)
        ):
            audit.record(
                "application",
                app.id,
                "applicant left",
                ActorRef.system("staff import"),
                from_state=app.state.value,
                to_state=app.state.value,
                reason="the applicant is no longer in the HR export",
            )

    @staticmethod
    def _new_member(
        member_id: uuid.UUID, row: StaffRow, manager_id: uuid.UUID | None
    ) -> dict[str, Any]:
        now = utcnow()
        return {
            "id": member_id,
            "employee_id": row.employee_id,
            "email": row.email,
            "given_name": row.given_name,
            "family_name": row.family_name,
            "department": row.department,
            "job_title": row.job_title,
            "grade": row.grade,
            "location": row.location,
            "manager_employee_id": row.manager_employee_id,
            "manager_id": manager_id,
            "employment_type": row.employment_type,
            "school_based": row.school_based,
            "start_date": row.start_date,
            "attributes": dict(row.attributes),
            "status": MemberStatus.ACTIVE,
            "created_at": now,
            "updated_at": now,
        }
