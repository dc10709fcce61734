"""Parsing an HR export: every error is found, with its row (1 = first data row) and column."""

from __future__ import annotations

import csv
import io
from datetime import date

from orgs.records.staff_import import find_cycles, parse_staff_csv

HEADER = [
    "employee_id",
    "email",
    "given_name",
    "family_name",
    "manager_employee_id",
    "school_based",
    "start_date",
]


def export(*rows: list[str], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def errors_of(text: str, columns: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    rows, errors = parse_staff_csv(text, columns)
    assert errors, "expected errors"
    assert rows == []
    return [(e.row, e.column, e.message) for e in errors]


def test_a_good_export_parses_with_types_and_extra_columns_as_attributes() -> None:
    text = export(
        ["E1", "Chief@Brent.gov.uk", "Ada", "Obi", "", "no", "2015-04-01", "Corporate"],
        ["E2", "b@brent.gov.uk", "Ben", "Ray", "E1", "Yes", "01/09/2019", ""],
        header=[*HEADER, "Directorate Name"],
    )
    rows, errors = parse_staff_csv(text)
    assert errors == []
    assert [(r.row, r.employee_id, r.manager_employee_id) for r in rows] == [
        (1, "E1", None),
        (2, "E2", "E1"),
    ]
    assert rows[0].email == "chief@brent.gov.uk"
    assert rows[0].attributes == {"directorate_name": "Corporate"}
    assert rows[1].attributes == {}
    assert (rows[0].school_based, rows[1].school_based) == (False, True)
    assert (rows[0].start_date, rows[1].start_date) == (date(2015, 4, 1), date(2019, 9, 1))


def test_bad_email_date_and_boolean_are_each_located() -> None:
    text = export(
        ["E1", "a@x.gov.uk", "", "", "", "no", ""],
        ["E2", "not-an-email", "", "", "E1", "maybe", "31/02/2020"],
    )
    assert errors_of(text) == [
        (2, "email", "'not-an-email' is not an email address"),
        (2, "school_based", "'maybe' is not a yes/no value (use true or false)"),
        (2, "start_date", "'31/02/2020' is not a date (use YYYY-MM-DD)"),
    ]


def test_duplicate_ids_and_unknown_managers() -> None:
    text = export(
        ["E1", "a@x.gov.uk", "", "", "", "", ""],
        ["E1", "b@x.gov.uk", "", "", "", "", ""],
        ["E3", "c@x.gov.uk", "", "", "E9", "", ""],
    )
    assert errors_of(text) == [
        (2, "employee_id", "duplicate employee_id 'E1' (first on row 1)"),
        (3, "manager_employee_id", "unknown manager 'E9' (not in the file)"),
    ]


def test_a_management_cycle_names_the_people_in_it() -> None:
    text = export(
        ["E1", "a@x.gov.uk", "Ann", "Lee", "E3", "", ""],
        ["E2", "b@x.gov.uk", "Bob", "Kay", "E1", "", ""],
        ["E3", "c@x.gov.uk", "Cat", "Ng", "E2", "", ""],
        ["E4", "d@x.gov.uk", "Dan", "Oy", "E4", "", ""],
    )
    assert errors_of(text) == [
        (
            1,
            "manager_employee_id",
            "management cycle: Ann Lee (E1) → Cat Ng (E3) → Bob Kay (E2) → Ann Lee (E1)",
        ),
        (4, "manager_employee_id", "management cycle: Dan Oy (E4) → Dan Oy (E4)"),
    ]


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    text = export(["E1"], header=["employee_id"])
    assert (0, "email", "the required column 'email' is missing") in errors_of(text)


def test_column_mapping_reads_other_headers() -> None:
    text = export(
        ["123", "a@x.gov.uk", "Ann", "Lee"],
        header=["Staff Number", "Work Email", "Forename", "Surname"],
    )
    columns = {
        "employee_id": "Staff Number",
        "email": "work email",
        "given_name": "Forename",
        "family_name": "Surname",
    }
    rows, errors = parse_staff_csv(text, columns)
    assert errors == []
    assert (rows[0].employee_id, rows[0].given_name, rows[0].attributes) == ("123", "Ann", {})


def test_empty_employee_id_and_blank_lines() -> None:
    text = export(["", "a@x.gov.uk", "", "", "", "", ""], [], ["E2", "", "", "", "", "", ""])
    assert errors_of(text) == [(1, "employee_id", "is empty"), (2, "email", "is empty")]


def test_find_cycles_reports_each_cycle_once_from_its_smallest_id() -> None:
    assert find_cycles({"a": "b", "b": "a", "c": "a", "d": None}) == [["a", "b"]]
    assert find_cycles({"a": None, "b": "a"}) == []
    assert find_cycles({"z": "y", "y": "x", "x": "z"}) == [["x", "z", "y"]]


def test_special_category_columns_are_refused_not_imported() -> None:
    text = export(
        ["E1", "a@x.gov.uk", "", "", "", "", "", "Black British", "yes", "Team A"],
        header=[*HEADER, "Ethnic Origin", "Disabled?", "Union Rep Team"],
    )
    errors = errors_of(text)
    assert [(row, column) for row, column, _ in errors] == [
        (0, "Disabled?"),
        (0, "Ethnic Origin"),
        (0, "Union Rep Team"),
    ]
    assert "members declare it themselves" in errors[0][2]


def test_only_whole_words_mark_a_column_as_special_category() -> None:
    kept = export(
        ["E1", "a@x.gov.uk", "", "", "", "", "", "x", "y"],
        header=[*HEADER, "Trace Code", "Embrace Champion"],
    )
    rows, errors = parse_staff_csv(kept)
    assert errors == []
    assert rows[0].attributes == {"trace_code": "x", "embrace_champion": "y"}
    # Conservative on purpose: a word starting with a marker ("Healthy") is refused too.
    refused = export(["E1", "a@x.gov.uk", "", "", "", "", "", "y"],
                     header=[*HEADER, "Healthy Walks Champion"])  # fmt: skip
    assert [column for _, column, _ in errors_of(refused)] == ["Healthy Walks Champion"]
