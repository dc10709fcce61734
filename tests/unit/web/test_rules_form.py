"""The guided rules form without a server: the seed documents it can show come back from its
rows unchanged, the one it cannot (self-declared criteria) is None, the row buttons add,
move and remove, and every refusal names its rule and field in words."""

from __future__ import annotations

from typing import Any

import pytest

from network.web.pages import Errors
from network.web.rules_form import Guided, Row, apply_button, guided_of, key, to_document
from orgs.schemes.eligibility import SchemeRole, parse_rules
from tests.integration.orgs.builders import seed_rules

MENTEE = SchemeRole.MENTEE


@pytest.mark.parametrize("name", ["brent", "broadland"])
def test_a_seed_document_round_trips_through_the_rows(name: str) -> None:
    document = parse_rules(seed_rules(name)).to_data()
    guided = guided_of(document)
    assert guided is not None
    errors = Errors()
    assert to_document(guided, errors) == document
    assert not errors


def test_rules_beyond_the_form_are_none() -> None:
    assert guided_of(seed_rules("nch")) is None  # self_declared
    combined = {"mentee": [{"rule": "x", "any": [{"flag": "school_based"}, {"in_group": "a"}]}]}
    assert guided_of(combined) is None
    assert guided_of({"mentee": [{"rule": "x", "flag": "carer"}]}) is None  # an extra column


def test_no_document_is_open_to_both_roles() -> None:
    guided = guided_of(None)
    assert guided is not None
    assert guided.takes == {SchemeRole.MENTEE, SchemeRole.MENTOR}


def _two() -> Guided:
    rows = (
        Row("grade", "at_least", ("G3",), admits="G3 up"),
        Row("school_based", "no", admits="No"),
    )
    return Guided(frozenset({MENTEE}), {MENTEE: rows})


def test_the_row_buttons() -> None:
    form: dict[str, list[str]] = {"mentee-new-field": ["location"]}
    added = apply_button(_two(), "add-mentee", form)
    assert added is not None
    assert [r.field for r in added.of(MENTEE)] == ["grade", "school_based", "location"]
    assert added.of(MENTEE)[2].op == "is"
    moved = apply_button(_two(), "up-mentee-1", form)
    assert moved is not None
    assert [r.field for r in moved.of(MENTEE)] == ["school_based", "grade"]
    removed = apply_button(_two(), "remove-mentee-0", form)
    assert removed is not None
    assert [r.field for r in removed.of(MENTEE)] == ["school_based"]
    assert apply_button(_two(), "down-mentee-1", form) == _two()  # already last
    assert apply_button(_two(), "save", form) is None


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (Row("grade", "at_least", admits="x"), "values", "Rule 1 for mentees: choose the grade"),
        (
            Row("months_of_service", "at_least", number="-1", admits="x"),
            "number",
            "Rule 1 for mentees: enter the length of service as a whole number of months, "
            "from 0 to 600, like 12",
        ),
        (
            Row("department", "is", ("A", "B"), admits="x"),
            "values",
            "Rule 1 for mentees: choose one department for “is”",
        ),
        (
            Row("school_based", "no"),
            "admits",
            "Rule 1 for mentees: describe who the rule lets in, in plain words",
        ),
        (
            Row("grade", "between", ("G3",), admits="x"),
            "op",
            "Rule 1 for mentees: choose what grade must be",
        ),
    ],
)
def test_refusals_name_the_rule_and_field(row: Row, field: str, message: str) -> None:
    errors = Errors()
    assert to_document(Guided(frozenset({MENTEE}), {MENTEE: (row,)}), errors) is None
    assert errors.fields == {key(MENTEE, 0, field): message}


def test_new_rules_get_distinct_names_from_their_words() -> None:
    rows = (Row("school_based", "no", admits="Not in a school"),) * 2
    document: Any = to_document(Guided(frozenset({MENTEE}), {MENTEE: rows}), Errors())
    assert [r["rule"] for r in document["mentee"]] == ["not-in-a-school", "not-in-a-school-2"]
    assert parse_rules(document).roles[MENTEE][1].name == "not-in-a-school-2"
    errors = Errors()
    assert to_document(Guided(frozenset()), errors) is None
    assert "takes" in errors.fields
