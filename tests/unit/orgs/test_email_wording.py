"""A scheme's email wording, checked and filled (pure): placeholders are the three documented
ones, anything else in braces is refused on its field, and filling never reads a value as
wording."""

from __future__ import annotations

import pytest

from orgs.errors import InvalidInput
from orgs.schemes.email_wording import (
    EMAILS,
    OPENING_MAX,
    SUBJECT_MAX,
    Wording,
    WordingIn,
    check_wording,
    compose,
    fill,
    filled,
)


def refused(subject: str, opening: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        check_wording(WordingIn(subject=subject, opening=opening))
    return {e.field: e.message for e in caught.value.errors}


def test_the_three_placeholders_are_accepted_and_the_wording_is_trimmed() -> None:
    assert check_wording(
        WordingIn(subject="  {first_name}: {scheme} ", opening="At {organisation}.\n\nThanks.")
    ) == Wording("{first_name}: {scheme}", "At {organisation}.\n\nThanks.")


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("Hi {surname}", "The subject uses {surname}, which is not a placeholder"),
        ("Hi {first_name!r}", "The subject uses {first_name!r}, which is not a placeholder"),
        ("Hi {scheme.__class__}", "The subject uses {scheme.__class__}, which is not"),
        ("Hi {}", "The subject uses {}, which is not a placeholder"),
        ("Hi {", "The subject has a brace that is not part of a placeholder"),
        ("Hi }{scheme}", "The subject has a brace that is not part of a placeholder"),
        ("Hi\nthere", "The subject must be on one line"),
        ("", "Enter the subject"),
        ("x" * (SUBJECT_MAX + 1), f"The subject must be {SUBJECT_MAX} characters or fewer"),
    ],
)
def test_a_bad_subject_is_refused_on_its_field(subject: str, message: str) -> None:
    errors = refused(subject, "Fine")
    assert list(errors) == ["subject"]
    assert errors["subject"].startswith(message)


def test_both_fields_are_named_at_once() -> None:
    errors = refused("Hi {name}", "x" * (OPENING_MAX + 1))
    assert errors == {
        "subject": "The subject uses {name}, which is not a placeholder: use {first_name}, "
        "{scheme}, {organisation}",
        "opening": f"The opening paragraph must be {OPENING_MAX} characters or fewer",
    }


def test_filling_is_one_pass_and_leaves_braces_in_values_alone() -> None:
    values = {"first_name": "{scheme}", "scheme": "Spring {2027}", "organisation": "Brent"}
    assert fill("{first_name} / {scheme} / {organisation}", values) == (
        "{scheme} / Spring {2027} / Brent"
    )


def test_every_built_in_wording_passes_its_own_check() -> None:
    for info in EMAILS.values():
        assert check_wording(WordingIn(info.default.subject, info.default.opening)) == info.default


def test_the_codes_part_follows_the_opening() -> None:
    assert compose("Hello.", "Their reason: none.") == "Hello.\n\nTheir reason: none."
    assert compose("Hello.", "") == "Hello."


def test_a_line_break_in_a_value_never_splits_the_subject() -> None:
    values = {"first_name": "Alex", "scheme": "Spring\r\nBcc: x@example.com", "organisation": ""}
    sent = filled(Wording("A place on {scheme}", "About {scheme}."), values)
    assert sent.subject == "A place on Spring Bcc: x@example.com"
    assert "\n" not in sent.subject
