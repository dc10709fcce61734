"""Errors on pages name the field in plain words: never a type, a pattern, an internal path or
an id; status tags in plain English; eligibility reasons without rule ids."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest

from network.web.pages import Errors, decode, domain_errors, plain_message
from network.web.status import status_of
from network.web.templating import plain_reason
from orgs.errors import FieldError, InvalidInput

MENTOR = "6b40a2c1-0000-4000-8000-000000000001"
MENTEE = "6b40a2c1-0000-4000-8000-000000000002"


class Form(msgspec.Struct):
    minutes: Annotated[int, msgspec.Meta(ge=1, le=480)]
    sector: Annotated[str, msgspec.Meta(pattern="^[a-z0-9-]{0,40}$")] = ""
    title: Annotated[str, msgspec.Meta(max_length=5)] = ""


LABELS = {"minutes": "How long it lasted", "sector": "Sector", "title": "Objective"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"minutes": 900}, "minutes", "How long it lasted must be 480 or less"),
        ({"minutes": 0}, "minutes", "How long it lasted must be 1 or more"),
        ({"minutes": "lots"}, "minutes", "How long it lasted must be a number, like 3"),
        (
            {"minutes": 5, "sector": "Fire & rescue"},
            "sector",
            "Sector must use only lower-case letters, numbers and hyphens",
        ),
        (
            {"minutes": 5, "title": "far too long"},
            "title",
            "Objective must be 5 characters or fewer",
        ),
        ({}, "minutes", "Enter how long it lasted"),
    ],
)
def test_validation_messages_are_words_about_the_field(
    data: dict[str, object], field: str, message: str
) -> None:
    errors = Errors()
    assert decode(Form, data, errors, LABELS) is None
    assert errors.fields == {field: message}
    for internal in ("<=", ">=", "regex", "`", "$."):
        assert internal not in message


def test_a_service_path_and_ids_become_the_form_field_and_words() -> None:
    exc = InvalidInput.on("moves[0].mentor", f"mentor {MENTOR}: not a mentor of this run")
    errors = Errors()
    domain_errors(exc, errors, ("mentee", "mentor"))
    assert errors.fields == {"mentor": "The mentor you chose is not a mentor of this run"}
    assert errors.summary == ""


def test_known_people_are_named_and_an_unplaced_error_goes_to_the_summary() -> None:
    exc = InvalidInput(
        "swap: …", (FieldError("swap", f"mentee {MENTEE} and mentor {MENTOR}: the mentor is full"),)
    )
    errors = Errors()
    domain_errors(exc, errors, ("mentee",), names={MENTEE: "Rosa Doyle"})
    assert errors.fields == {}
    assert errors.summary.startswith("Rosa Doyle (mentee) and the mentor you chose")
    assert MENTOR not in errors.summary


def test_a_bare_message_gets_its_field_label_and_aliases_place_it() -> None:
    errors = Errors()
    domain_errors(
        InvalidInput.on("capacity", "must be 0–10 mentees at once"),
        errors,
        {"capacity": "How many mentees at once"},
    )
    assert errors.fields == {"capacity": "How many mentees at once must be 0–10 mentees at once"}
    errors = Errors()
    domain_errors(
        InvalidInput.on("starts_at", "a held meeting cannot be in the future"),
        errors,
        ("meeting_date",),
        aliases={"starts_at": "meeting_date"},
    )
    assert errors.fields == {"meeting_date": "A held meeting cannot be in the future"}


def test_an_error_without_fields_loses_its_path() -> None:
    assert plain_message("rows[3].email: not an email") == "Not an email"


@pytest.mark.parametrize(
    ("state", "kind", "words"),
    [
        ("queued", "request", "Not sent yet"),
        ("superseded", "request", "Not needed: another mentor accepted"),
        ("open", "request", "Waiting for an answer"),
        ("open", "objective", "In progress"),
        ("queued", "import", "Waiting to start"),
        ("ineligible", "application", "Not eligible"),
        ("agreeing", "relationship", "Agreeing how you will work"),
    ],
)
def test_status_tags_are_plain_english_for_each_kind(state: str, kind: str, words: str) -> None:
    assert status_of(state, kind)[0] == words


def test_eligibility_reasons_lose_their_rule_ids() -> None:
    assert plain_reason("Not school-based (rule: non-school-based)") == "Not school-based"
    assert plain_reason(
        "This scheme has no eligibility rules yet: open to all staff (rule: none)"
    ) == ("This scheme has no eligibility rules yet: open to all staff")
