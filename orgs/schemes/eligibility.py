"""Eligibility rules: pure parsing and evaluation, no database.

A rules document (YAML or JSON) lists, per role, named rules; a member is eligible for a role
when every rule of that role admits them. Each rule is one condition, or ``all`` / ``any`` /
``not`` of conditions::

    mentee:
      - rule: non-school-based
        excludes: School-based staff are not eligible
        not: {flag: school_based}
    mentor:
      - rule: senior-managers
        grade_at_least: SM1

Every decision carries reasons in plain English naming the rule, e.g.
"School-based staff are not eligible (rule: non-school-based)".

Rules over self-declared special-category data (``self_declared``) never say which category or
value decided: their reasons only say that the scheme's self-declared criteria are met or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import partial
from typing import Any

from orgs.errors import FieldError, InvalidInput
from orgs.people.declared import Declared


class SchemeRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True)
class MemberFacts:
    attributes: Mapping[str, object]
    grade: str = ""
    start_date: date | None = None
    groups: frozenset[str] = frozenset()
    trainings: frozenset[str] = frozenset()
    declared: Declared | None = None


@dataclass(frozen=True)
class Context:
    today: date
    grade_order: tuple[str, ...] = ()


def norm(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return " ".join(str(value).split()).lower()


def truthy(value: object) -> bool:
    return norm(value) in {"true", "yes", "y", "1", "t"}


# --- conditions ------------------------------------------------------------------------------


class Condition:
    special = False

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def to_data(self) -> dict[str, Any]:
        raise NotImplementedError

    def grades(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class Equals(Condition):
    attribute: str
    value: str

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return norm(facts.attributes.get(self.attribute)) == norm(self.value)

    def describe(self) -> str:
        return f"{_label(self.attribute)} is {self.value!r}"

    def to_data(self) -> dict[str, Any]:
        return {"equals": {"attribute": self.attribute, "value": self.value}}


@dataclass(frozen=True)
class In(Condition):
    attribute: str
    values: tuple[str, ...]
    negate: bool = False

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        found = norm(facts.attributes.get(self.attribute)) in {norm(v) for v in self.values}
        return found != self.negate

    def describe(self) -> str:
        listed = ", ".join(repr(v) for v in self.values)
        return f"{_label(self.attribute)} is {'not ' if self.negate else ''}one of {listed}"

    def to_data(self) -> dict[str, Any]:
        key = "not_in" if self.negate else "in"
        return {key: {"attribute": self.attribute, "values": list(self.values)}}


@dataclass(frozen=True)
class Grade(Condition):
    grade: str
    at_least: bool

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        order = [norm(g) for g in ctx.grade_order]
        mine, bound = norm(facts.grade), norm(self.grade)
        if mine not in order or bound not in order:
            return False
        if self.at_least:
            return order.index(mine) >= order.index(bound)
        return order.index(mine) <= order.index(bound)

    def describe(self) -> str:
        return f"grade is at {'least' if self.at_least else 'most'} {self.grade}"

    def to_data(self) -> dict[str, Any]:
        return {("grade_at_least" if self.at_least else "grade_at_most"): self.grade}

    def grades(self) -> tuple[str, ...]:
        return (self.grade,)


@dataclass(frozen=True)
class MonthsOfService(Condition):
    at_least: int

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return facts.start_date is not None and months_between(facts.start_date, ctx.today) >= (
            self.at_least
        )

    def describe(self) -> str:
        return f"at least {self.at_least} months of service"

    def to_data(self) -> dict[str, Any]:
        return {"months_of_service_at_least": self.at_least}


@dataclass(frozen=True)
class Flag(Condition):
    attribute: str

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return truthy(facts.attributes.get(self.attribute))

    def describe(self) -> str:
        return f"{_label(self.attribute)} is yes"

    def to_data(self) -> dict[str, Any]:
        return {"flag": self.attribute}


@dataclass(frozen=True)
class InGroup(Condition):
    group: str

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return norm(self.group) in {norm(g) for g in facts.groups}

    def describe(self) -> str:
        return f"member of the group {self.group!r}"

    def to_data(self) -> dict[str, Any]:
        return {"in_group": self.group}


@dataclass(frozen=True)
class TrainingCompleted(Condition):
    training: str

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return norm(self.training) in {norm(t) for t in facts.trainings}

    def describe(self) -> str:
        return f"has completed {self.training!r}"

    def to_data(self) -> dict[str, Any]:
        return {"training_completed": self.training}


@dataclass(frozen=True)
class SelfDeclared(Condition):
    """``ethnicity_in`` and/or ``disability``; true if any given part matches."""

    ethnicity_in: tuple[str, ...] = ()
    disability: bool | None = None
    special = True

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        declared = facts.declared
        if declared is None:
            return False
        if declared.ethnicity is not None and norm(declared.ethnicity) in {
            norm(e) for e in self.ethnicity_in
        }:
            return True
        return self.disability is not None and declared.disability is self.disability

    def describe(self) -> str:
        return "meets the scheme's self-declared criteria"

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.ethnicity_in:
            data["ethnicity_in"] = list(self.ethnicity_in)
        if self.disability is not None:
            data["disability"] = self.disability
        return {"self_declared": data}


@dataclass(frozen=True)
class All(Condition):
    parts: tuple[Condition, ...]

    @property
    def special(self) -> bool:  # type: ignore[override]
        return any(p.special for p in self.parts)

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return all(p.holds(facts, ctx) for p in self.parts)

    def describe(self) -> str:
        return " and ".join(_paren(p) for p in self.parts) or "everyone"

    def to_data(self) -> dict[str, Any]:
        return {"all": [p.to_data() for p in self.parts]}

    def grades(self) -> tuple[str, ...]:
        return tuple(g for p in self.parts for g in p.grades())


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    @property
    def special(self) -> bool:  # type: ignore[override]
        return any(p.special for p in self.parts)

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return any(p.holds(facts, ctx) for p in self.parts)

    def describe(self) -> str:
        return " or ".join(_paren(p) for p in self.parts) or "nobody"

    def to_data(self) -> dict[str, Any]:
        return {"any": [p.to_data() for p in self.parts]}

    def grades(self) -> tuple[str, ...]:
        return tuple(g for p in self.parts for g in p.grades())


@dataclass(frozen=True)
class Not(Condition):
    part: Condition

    @property
    def special(self) -> bool:  # type: ignore[override]
        return self.part.special

    def holds(self, facts: MemberFacts, ctx: Context) -> bool:
        return not self.part.holds(facts, ctx)

    def describe(self) -> str:
        return f"not ({self.part.describe()})"

    def to_data(self) -> dict[str, Any]:
        return {"not": self.part.to_data()}

    def grades(self) -> tuple[str, ...]:
        return self.part.grades()


def _paren(condition: Condition) -> str:
    text = condition.describe()
    return f"({text})" if isinstance(condition, All | AnyOf) and len(condition.parts) > 1 else text


def _label(attribute: str) -> str:
    return attribute.replace("_", " ")


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - (1 if end.day < start.day else 0)


# --- rules and rule sets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: str
    condition: Condition
    excludes: str = ""  # what to say when the rule excludes someone
    admits: str = ""  # what to say when it admits them

    def reason(self, *, passed: bool) -> str:
        if self.condition.special:  # never say which special category decided
            text = (
                "Meets the scheme's self-declared criteria"
                if passed
                else "Does not meet the scheme's self-declared criteria"
            )
        elif passed:
            text = self.admits or f"Meets: {self.condition.describe()}"
        else:
            text = self.excludes or f"Not eligible: requires {self.condition.describe()}"
        return f"{text} (rule: {self.name})"

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.name}
        if self.excludes:
            data["excludes"] = self.excludes
        if self.admits:
            data["admits"] = self.admits
        data.update(self.condition.to_data())
        return data


@dataclass(frozen=True)
class RuleSet:
    """The rules of one scheme. A role with no entry is not offered by the scheme."""

    roles: Mapping[SchemeRole, tuple[Rule, ...]]

    def to_data(self) -> dict[str, Any]:
        return {role.value: [r.to_data() for r in rules] for role, rules in self.roles.items()}

    def grades(self) -> tuple[str, ...]:
        return tuple(
            g for rules in self.roles.values() for r in rules for g in r.condition.grades()
        )


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reasons: tuple[str, ...]
    results: tuple[RuleResult, ...] = ()


def evaluate(rules: RuleSet, facts: MemberFacts, role: SchemeRole, ctx: Context) -> Decision:
    """Decide one member's eligibility for one role, with a reason per rule (failures first)."""
    if role not in rules.roles:
        reason = f"This scheme does not take {role.value}s (rule: roles)"
        return Decision(
            eligible=False,
            reasons=(reason,),
            results=(RuleResult("roles", passed=False, reason=reason),),
        )
    results = tuple(
        RuleResult(rule.name, passed, rule.reason(passed=passed))
        for rule in rules.roles[role]
        for passed in (rule.condition.holds(facts, ctx),)
    )
    if not results:
        reason = f"Open to all staff as {role.value}s (rule: open)"
        return Decision(
            eligible=True,
            reasons=(reason,),
            results=(RuleResult("open", passed=True, reason=reason),),
        )
    failed = [r.reason for r in results if not r.passed]
    passed = [r.reason for r in results if r.passed]
    return Decision(not failed, tuple(failed + passed), results)


# --- parsing ---------------------------------------------------------------------------------

RULE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RULE_KEYS = ("rule", "excludes", "admits")
MAX_DEPTH = 8


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(FieldError(path, message))


def _text(value: object, path: str, errors: _Errors, limit: int = 200) -> str | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        errors.add(path, "must be text")
        return None
    text = str(value).strip()
    if not text or len(text) > limit:
        errors.add(path, f"must be 1–{limit} characters")
        return None
    return text


def _attribute(value: object, path: str, errors: _Errors) -> str | None:
    text = _text(value, path, errors, 63)
    if text is not None and not ATTRIBUTE.fullmatch(text):
        errors.add(path, "an attribute name is lower-case letters, digits and underscores")
        return None
    return text


def _texts(value: object, path: str, errors: _Errors) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        errors.add(path, "must be a non-empty list")
        return None
    texts = [_text(v, f"{path}[{i}]", errors) for i, v in enumerate(value)]
    return tuple(t for t in texts if t is not None) if None not in texts else None


# Each condition keyword has one parser: (value, path of the value, errors, depth) -> condition,
# or None after adding its errors. _CONDITION_PARSERS at the end of this section is the table.
_Parser = Callable[[object, str, _Errors, int], Condition | None]


def _parse_parts(
    value: object,
    at: str,
    errors: _Errors,
    depth: int,
    *,
    combine: Callable[[tuple[Condition, ...]], Condition],
) -> Condition | None:
    if not isinstance(value, list):
        errors.add(at, "must be a list of conditions")
        return None
    parts = [_condition(v, f"{at}[{i}]", errors, depth + 1) for i, v in enumerate(value)]
    if None in parts:
        return None
    return combine(tuple(p for p in parts if p is not None))


def _parse_not(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    part = _condition(value, at, errors, depth + 1)
    return Not(part) if part is not None else None


def _parse_equals(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    if not isinstance(value, dict) or set(value) != {"attribute", "value"}:
        errors.add(at, "must be {attribute: NAME, value: VALUE}")
        return None
    attribute = _attribute(value["attribute"], f"{at}.attribute", errors)
    expected = (
        norm(value["value"])
        if isinstance(value["value"], bool)
        else _text(value["value"], f"{at}.value", errors)
    )
    return Equals(attribute, expected) if attribute and expected else None


def _parse_in(
    value: object, at: str, errors: _Errors, depth: int, *, negate: bool
) -> Condition | None:
    if not isinstance(value, dict) or set(value) != {"attribute", "values"}:
        errors.add(at, "must be {attribute: NAME, values: [VALUE, …]}")
        return None
    attribute = _attribute(value["attribute"], f"{at}.attribute", errors)
    values = _texts(value["values"], f"{at}.values", errors)
    return In(attribute, values, negate) if attribute and values else None


def _parse_grade(
    value: object, at: str, errors: _Errors, depth: int, *, at_least: bool
) -> Condition | None:
    grade = _text(value, at, errors, 50)
    return Grade(grade, at_least) if grade else None


def _parse_months(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 600:
        errors.add(at, "must be a whole number of months, 0–600")
        return None
    return MonthsOfService(value)


def _parse_flag(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    attribute = _attribute(value, at, errors)
    return Flag(attribute) if attribute else None


def _parse_in_group(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    group = _text(value, at, errors)
    return InGroup(group) if group else None


def _parse_training(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    training = _text(value, at, errors)
    return TrainingCompleted(training) if training else None


def _parse_self_declared(value: object, at: str, errors: _Errors, depth: int) -> Condition | None:
    if not isinstance(value, dict) or not value or set(value) - {"ethnicity_in", "disability"}:
        errors.add(at, "must be {ethnicity_in: [GROUP, …]} and/or {disability: true}")
        return None
    ethnicities: tuple[str, ...] = ()
    if "ethnicity_in" in value:
        found = _texts(value["ethnicity_in"], f"{at}.ethnicity_in", errors)
        if found is None:
            return None
        ethnicities = found
    disability = value.get("disability")
    if disability is not None and not isinstance(disability, bool):
        errors.add(f"{at}.disability", "must be true or false")
        return None
    return SelfDeclared(ethnicities, disability)


# The rules language: condition keyword -> its parser. The order is the one error messages list.
_CONDITION_PARSERS: dict[str, _Parser] = {
    "all": partial(_parse_parts, combine=All),
    "any": partial(_parse_parts, combine=AnyOf),
    "not": _parse_not,
    "equals": _parse_equals,
    "in": partial(_parse_in, negate=False),
    "not_in": partial(_parse_in, negate=True),
    "grade_at_least": partial(_parse_grade, at_least=True),
    "grade_at_most": partial(_parse_grade, at_least=False),
    "months_of_service_at_least": _parse_months,
    "flag": _parse_flag,
    "in_group": _parse_in_group,
    "training_completed": _parse_training,
    "self_declared": _parse_self_declared,
}
CONDITION_KEYS = tuple(_CONDITION_PARSERS)


def _condition_key(data: Mapping[object, object], path: str, errors: _Errors) -> str | None:
    """The one condition keyword of a mapping; unknown keys and none or several are errors."""
    keys = [k for k in data if k in CONDITION_KEYS]
    unknown = [k for k in data if k not in CONDITION_KEYS and k not in RULE_KEYS]
    for key in unknown:
        errors.add(f"{path}.{key}", f"unknown key; conditions are {', '.join(CONDITION_KEYS)}")
    if len(keys) != 1:
        if not unknown:
            errors.add(path, f"needs exactly one condition (one of {', '.join(CONDITION_KEYS)})")
        return None
    return str(keys[0])


def _condition(data: object, path: str, errors: _Errors, depth: int = 0) -> Condition | None:
    if depth > MAX_DEPTH:
        errors.add(path, f"nested more than {MAX_DEPTH} deep")
        return None
    if not isinstance(data, dict):
        errors.add(path, "must be a mapping with one condition")
        return None
    key = _condition_key(data, path, errors)
    if key is None:
        return None
    return _CONDITION_PARSERS[key](data[key], f"{path}.{key}", errors, depth)


def _rule(data: object, path: str, errors: _Errors) -> Rule | None:
    if not isinstance(data, dict):
        errors.add(path, "each rule is a mapping with 'rule' (its name) and one condition")
        return None
    name = data.get("rule")
    if not isinstance(name, str) or not RULE_NAME.fullmatch(name):
        errors.add(f"{path}.rule", "a rule name is lower-case letters, digits and hyphens")
        name = None
    texts = {}
    for key in ("excludes", "admits"):
        if key in data:
            texts[key] = _text(data[key], f"{path}.{key}", errors, 300) or ""
    condition = _condition(data, path, errors)
    if name is None or condition is None:
        return None
    return Rule(name, condition, texts.get("excludes", ""), texts.get("admits", ""))


def parse_rules(data: object) -> RuleSet:
    """Build a rule set from a parsed YAML/JSON document; every problem is named by its path."""
    errors = _Errors()
    if not isinstance(data, dict) or not data:
        raise InvalidInput.on("rules", "must be a mapping with 'mentor' and/or 'mentee' lists")
    roles: dict[SchemeRole, tuple[Rule, ...]] = {}
    for key, value in data.items():
        if key not in ("mentor", "mentee"):
            errors.add(str(key), "unknown key; use 'mentor' and/or 'mentee'")
            continue
        if value is None:
            value = []
        if not isinstance(value, list):
            errors.add(str(key), "must be a list of rules (empty: open to all staff)")
            continue
        rules = [_rule(v, f"{key}[{i}]", errors) for i, v in enumerate(value)]
        names = [r.name for r in rules if r is not None]
        for name in {n for n in names if names.count(n) > 1}:
            errors.add(str(key), f"the rule name {name!r} is used twice")
        roles[SchemeRole(key)] = tuple(r for r in rules if r is not None)
    if errors.items:
        raise InvalidInput(
            "The rules are not valid: "
            + "; ".join(f"{e.field}: {e.message}" for e in errors.items[:5]),
            tuple(errors.items),
        )
    return RuleSet(roles)


def check_grades(rules: RuleSet, grade_order: Sequence[str]) -> None:
    known = {norm(g) for g in grade_order}
    missing = sorted({g for g in rules.grades() if norm(g) not in known})
    if missing:
        listed = ", ".join(grade_order) or "none yet: set the org's grade order first"
        raise InvalidInput.on(
            "rules", f"unknown grade(s) {', '.join(missing)}; the org's grades are: {listed}"
        )
