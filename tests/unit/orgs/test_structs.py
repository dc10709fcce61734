"""Response structs are filled from domain objects by one helper, ``orgs.structs.out``: plain
fields by attribute, derived ones by name, renamed ones under their wire name; a domain object
that does not fit its shape is our bug (a ``TypeError``), never the client's bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
import pytest

from matching.model import MeetingMode
from network.http.mentoring_out import TimeReleaseOut
from network.http.people_out import MenteeProfileOut
from network.http.schemes_out import AuditOut
from orgs.audit import AuditEntry
from orgs.mentoring.meetings import TimeRelease
from orgs.people.profiles import MenteeProfileRow
from orgs.structs import out

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Shown(msgspec.Struct, frozen=True):
    id: uuid.UUID
    title: str
    tags: list[str]
    extra: int


class Thing:
    def __init__(self) -> None:
        self.id = uuid.UUID(int=1)
        self.title = "stored"
        self.tags = ("a", "b")  # a tuple in the domain, a list in the response


def test_plain_fields_come_from_attributes_and_derived_ones_by_name() -> None:
    shown = out(Shown, Thing(), extra=3)
    assert msgspec.json.encode(shown) == (
        b'{"id":"00000000-0000-0000-0000-000000000001","title":"stored","tags":["a","b"],"extra":3}'
    )


def test_a_derived_value_wins_over_the_attribute_of_the_same_name() -> None:
    assert out(Shown, Thing(), title="shown", extra=0).title == "shown"


def test_a_domain_object_that_does_not_fit_is_a_type_error_naming_the_field() -> None:
    with pytest.raises(TypeError, match=r"Thing does not fit Shown: .*extra") as caught:
        out(Shown, Thing())  # no ``extra``
    assert not isinstance(caught.value, msgspec.ValidationError)


def test_a_renamed_field_is_read_by_attribute_and_sent_under_its_wire_name() -> None:
    entry = AuditEntry(
        at=AT,
        action="decide",
        from_state="awaiting_line_manager",
        to_state="approved",
        actor_member_id=None,
        actor_label="Priya Shah",
        reason="",
    )
    assert msgspec.json.encode(out(AuditOut, entry)) == (
        b'{"at":"2026-03-02T09:30:00Z","action":"decide","from_state":"awaiting_line_manager",'
        b'"to_state":"approved","actor_member_id":null,"actor":"Priya Shah","reason":""}'
    )


def test_time_release_is_shown_in_hours_rounded_to_two_places() -> None:
    shown = out(TimeReleaseOut, TimeRelease(95, 187, 3, 6))
    assert (shown.budget_hours, shown.used_hours, shown.percent) == (1.58, 3.12, 197)


@pytest.mark.parametrize(
    ("low", "high", "shown"), [(3, 6, (3, 6)), (3, None, None), (None, None, None)]
)
def test_wanted_bands_are_a_pair_or_nothing(
    low: int | None, high: int | None, shown: tuple[int, int] | None
) -> None:
    row = MenteeProfileRow(
        topics={"confidence": 3},
        meeting_mode=MeetingMode.EITHER,
        region="",
        languages=[],
        open_to_other_orgs=True,
        wanted_band_low=low,
        wanted_band_high=high,
        goals="",
        career_to_date="",
        taxonomy_version="1",
    )
    assert out(MenteeProfileOut, row).wanted_bands == shown
