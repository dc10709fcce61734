"""The guided rules editor's form, without the database: a rules document as rows a person
picks from lists (field, operator, value, the rule's own words), the posted form back into
rows, the add/remove/reorder buttons, and rows into the same rules document the YAML editor
writes. A document with a condition the rows cannot show is ``None`` here: it opens in YAML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from network.web.pages import Errors, Form, one
from orgs.errors import DomainError
from orgs.schemes.eligibility import (
    Condition,
    Equals,
    Flag,
    Grade,
    In,
    InGroup,
    MonthsOfService,
    Not,
    Rule,
    SchemeRole,
    TrainingCompleted,
    parse_rules,
)

ROLES = (SchemeRole.MENTEE, SchemeRole.MENTOR)
ROLE_WORDS = {SchemeRole.MENTEE: "mentees", SchemeRole.MENTOR: "mentors"}


@dataclass(frozen=True)
class FieldKind:
    label: str
    #: operator key -> words; the first is the default
    operators: tuple[tuple[str, str], ...]
    value: str  # "one" (a select), "many" (checkboxes), "number" or "none"


TEXT_OPERATORS = (("is", "is"), ("in", "is one of"), ("not_in", "is not one of"))

#: The HR fields the rule engine knows (orgs.schemes.eligibility_checks.hr_attributes and the
#: facts beside them), in the order the "Add a rule about" list offers them.
FIELDS: dict[str, FieldKind] = {
    "grade": FieldKind("Grade", (("at_least", "is at least"), ("at_most", "is at most")), "one"),
    "months_of_service": FieldKind("Length of service", (("at_least", "is at least"),), "number"),
    "department": FieldKind("Department", TEXT_OPERATORS, "many"),
    "employment_type": FieldKind("Contract type", TEXT_OPERATORS, "many"),
    "location": FieldKind("Location", TEXT_OPERATORS, "many"),
    "job_title": FieldKind("Job title", TEXT_OPERATORS, "many"),
    "school_based": FieldKind("School-based", (("no", "is no"), ("yes", "is yes")), "none"),
    "training": FieldKind("Training", (("completed", "has been completed"),), "one"),
    "group": FieldKind("Group", (("member", "includes the person"),), "one"),
}
TEXT_FIELDS = ("department", "employment_type", "location", "job_title")
MAX_MONTHS = 600
MAX_WORDS = 300  # as the rules language allows


@dataclass(frozen=True)
class Row:
    """One rule as the form shows it. ``name`` is the rule id kept from the document (new
    rules get one from their description); people never type or see it."""

    field: str
    op: str = ""
    values: tuple[str, ...] = ()
    number: str = ""
    admits: str = ""
    excludes: str = ""
    name: str = ""


@dataclass(frozen=True)
class Guided:
    takes: frozenset[SchemeRole]
    rows: Mapping[SchemeRole, tuple[Row, ...]] = field(default_factory=dict)

    def of(self, role: SchemeRole) -> tuple[Row, ...]:
        return tuple(self.rows.get(role, ()))


# --- document -> rows ------------------------------------------------------------------------


def _row(rule: Rule) -> Row | None:
    c: Condition = rule.condition
    base = Row("", admits=rule.admits, excludes=rule.excludes, name=rule.name)
    match c:
        case Grade(grade=g, at_least=least):
            return replace(base, field="grade", op="at_least" if least else "at_most", values=(g,))
        case MonthsOfService(at_least=n):
            return replace(base, field="months_of_service", op="at_least", number=str(n))
        case Equals(attribute=a, value=v) if a in TEXT_FIELDS:
            return replace(base, field=a, op="is", values=(v,))
        case In(attribute=a, values=vs, negate=neg) if a in TEXT_FIELDS:
            return replace(base, field=a, op="not_in" if neg else "in", values=vs)
        case Flag(attribute="school_based"):
            return replace(base, field="school_based", op="yes")
        case Not(part=Flag(attribute="school_based")):
            return replace(base, field="school_based", op="no")
        case TrainingCompleted(training=t):
            return replace(base, field="training", op="completed", values=(t,))
        case InGroup(group=g):
            return replace(base, field="group", op="member", values=(g,))
    return None


def guided_of(document: object) -> Guided | None:
    """The rows of a stored document, or None if any rule is beyond the guided form."""
    if document is None:
        return Guided(frozenset(ROLES))
    try:
        rules = parse_rules(document)
    except DomainError:
        return None
    rows: dict[SchemeRole, tuple[Row, ...]] = {}
    for role, role_rules in rules.roles.items():
        found = [_row(r) for r in role_rules]
        if None in found:
            return None
        rows[role] = tuple(r for r in found if r is not None)
    return Guided(frozenset(rules.roles), rows)


# --- form -> rows, and the row buttons -------------------------------------------------------


def key(role: SchemeRole, index: int, part: str) -> str:
    """A row's form field name (and HTML id), e.g. ``mentee-0-values``."""
    return f"{role.value}-{index}-{part}"


def read_form(form: Form) -> Guided:
    takes = frozenset(r for r in ROLES if r.value in form.get("takes", []))
    rows: dict[SchemeRole, tuple[Row, ...]] = {}
    for role in ROLES:
        count = int(c) if (c := one(form, f"{role.value}-count")).isdigit() else 0
        found = []
        for i in range(min(count, 50)):
            name = one(form, key(role, i, "field"))
            if name not in FIELDS:
                continue
            found.append(
                Row(
                    field=name,
                    op=one(form, key(role, i, "op")),
                    values=tuple(v.strip() for v in form.get(key(role, i, "values"), []) if v),
                    number=one(form, key(role, i, "number")),
                    admits=one(form, key(role, i, "admits")),
                    excludes=one(form, key(role, i, "excludes")),
                    name=one(form, key(role, i, "name")),
                )
            )
        rows[role] = tuple(found)
    return Guided(takes, rows)


_BUTTON = re.compile(r"^(add|remove|up|down)-(mentee|mentor)(?:-(\d+))?$")


def apply_button(guided: Guided, action: str, form: Form) -> Guided | None:
    """The rows after "Add another rule", "Remove", "Move up" or "Move down"; None if
    ``action`` is none of them (Preview or Save)."""
    match = _BUTTON.fullmatch(action)
    if match is None:
        return None
    verb, role, index = match[1], SchemeRole(match[2]), int(match[3] or 0)
    rows = list(guided.of(role))
    if verb == "add":
        chosen = one(form, f"{role.value}-new-field")
        if chosen in FIELDS:
            rows.append(Row(chosen, op=FIELDS[chosen].operators[0][0]))
    elif 0 <= index < len(rows):
        if verb == "remove":
            del rows[index]
        elif verb == "up" and index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
        elif verb == "down" and index + 1 < len(rows):
            rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return Guided(guided.takes | {role}, {**guided.rows, role: tuple(rows)})


# --- rows -> document ------------------------------------------------------------------------


def _condition(row: Row, at: str, errors: Errors, what: str) -> dict[str, Any] | None:
    kind = FIELDS[row.field]
    if row.op not in dict(kind.operators):
        errors.add(f"{at}-op", f"{what}: choose what {kind.label.lower()} must be")
        return None
    if kind.value == "number":
        if not row.number.isdigit() or int(row.number) > MAX_MONTHS:
            errors.add(
                f"{at}-number",
                f"{what}: enter the length of service as a whole number of months, "
                f"from 0 to {MAX_MONTHS}, like 12",
            )
            return None
        return {"months_of_service_at_least": int(row.number)}
    if kind.value == "none":
        flag: dict[str, Any] = {"flag": "school_based"}
        return flag if row.op == "yes" else {"not": flag}
    if not row.values:
        errors.add(f"{at}-values", f"{what}: choose the {kind.label.lower()}")
        return None
    if row.field == "grade":
        return {f"grade_{row.op}": row.values[0]}
    if row.field == "training":
        return {"training_completed": row.values[0]}
    if row.field == "group":
        return {"in_group": row.values[0]}
    if row.op == "is":
        if len(row.values) != 1:
            errors.add(f"{at}-values", f"{what}: choose one {kind.label.lower()} for “is”")
            return None
        return {"equals": {"attribute": row.field, "value": row.values[0]}}
    return {row.op: {"attribute": row.field, "values": list(row.values)}}


def _check_words(row: Row, at: str, errors: Errors, what: str) -> None:
    if not row.admits:
        errors.add(f"{at}-admits", f"{what}: describe who the rule lets in, in plain words")
    for part, text in (("admits", row.admits), ("excludes", row.excludes)):
        if len(text) > MAX_WORDS:
            errors.add(f"{at}-{part}", f"{what}: write {MAX_WORDS} characters or fewer")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")


def to_document(guided: Guided, errors: Errors) -> dict[str, Any] | None:
    """The rules document the rows say, or None after naming each problem on its field."""
    if not guided.takes:
        errors.add("takes", "Choose whether the scheme takes mentees, mentors or both")
    document: dict[str, Any] = {}
    for role in ROLES:
        if role not in guided.takes:
            continue
        rules: list[dict[str, Any]] = []
        used: set[str] = set()
        for i, row in enumerate(guided.of(role)):
            at = f"{role.value}-{i}"
            what = f"Rule {i + 1} for {ROLE_WORDS[role]}"
            condition = _condition(row, at, errors, what)
            _check_words(row, at, errors, what)
            name = row.name or _slug(row.admits) or f"rule-{i + 1}"
            base, n = name, 2
            while name in used:
                name, n = f"{base[:58]}-{n}", n + 1
            used.add(name)
            if condition is None:
                continue
            rule: dict[str, Any] = {"rule": name}
            if row.excludes:
                rule["excludes"] = row.excludes
            if row.admits:
                rule["admits"] = row.admits
            rules.append({**rule, **condition})
        document[role.value] = rules
    return None if errors else document


def options(row: Row, known: Mapping[str, Sequence[str]]) -> list[tuple[str, str, str]]:
    """The values a row may choose from: what the org's data knows, and the row's own."""
    listed = list(known.get(row.field, ()))
    extra = [v for v in row.values if v not in listed]
    return [(v, v, "") for v in listed + extra]


def pick_one(row: Row, known: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """The same values as a select list's (value, label) pairs, led by "Choose one"."""
    return [("", "Choose one")] + [(v, label) for v, label, _ in options(row, known)]
