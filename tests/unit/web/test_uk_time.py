"""Dates and times on the pages are London's, stored as UTC: across the clocks going forward
(29 March 2026, 01:00 UTC) and back (25 October 2026, 01:00 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from network.web.uk_time import (
    DateParts,
    NoSuchTime,
    from_london,
    london_today,
    parse_date,
    parse_time,
    uk_date,
    uk_time,
    uk_when,
)


def test_dates_read_as_people_write_them() -> None:
    assert uk_date(date(2027, 1, 20)) == "20 January 2027"
    assert uk_date("2027-01-20") == "20 January 2027"
    assert uk_date(None) == ""


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2026, 3, 28, 14, 30, tzinfo=UTC), "28 March 2026, 2:30pm"),  # GMT: as UTC
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 March 2026, 12:59am"),  # last GMT minute
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026, 2am"),  # clocks go forward
        (datetime(2026, 7, 1, 13, 30, tzinfo=UTC), "1 July 2026, 2:30pm"),  # BST: an hour on
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "2 July 2026, 12:30am"),  # the London date
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 October 2026, 1:30am"),  # BST 01:30
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 October 2026, 1:30am"),  # GMT 01:30
        (datetime(2026, 10, 26, 11, 0, tzinfo=UTC), "26 October 2026, 11am"),
        (datetime(2026, 7, 1, 11, 0, tzinfo=UTC), "1 July 2026, midday"),
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "1 January 2026, midnight"),
    ],
)
def test_instants_are_shown_in_london_time(utc: datetime, shown: str) -> None:
    assert uk_when(utc) == shown


def test_a_naive_datetime_is_taken_as_utc() -> None:
    assert uk_time(datetime(2026, 7, 1, 8, 0))  # noqa: DTZ001 (as a naive column reads) == "9am"


@pytest.mark.parametrize(
    ("day", "at", "utc"),
    [
        (date(2026, 3, 28), time(14, 30), datetime(2026, 3, 28, 14, 30, tzinfo=UTC)),
        (date(2026, 3, 29), time(0, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        (date(2026, 3, 29), time(2, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (date(2026, 7, 1), time(14, 30), datetime(2026, 7, 1, 13, 30, tzinfo=UTC)),
        (date(2026, 7, 2), time(0, 30), datetime(2026, 7, 1, 23, 30, tzinfo=UTC)),
        # 01:30 happens twice on 25 October: the first time, still BST.
        (date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (date(2026, 10, 25), time(2, 0), datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_times_typed_in_london_are_stored_as_utc(day: date, at: time, utc: datetime) -> None:
    stored = from_london(day, at)
    assert stored == utc
    assert stored.tzinfo is UTC
    assert uk_when(stored).startswith(uk_date(day))  # shown back on the day typed


def test_a_time_skipped_when_the_clocks_go_forward_is_refused() -> None:
    with pytest.raises(NoSuchTime, match="does not exist"):
        from_london(date(2026, 3, 29), time(1, 30))


def test_today_is_londons_today() -> None:
    assert london_today(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == date(2026, 7, 2)
    assert london_today(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("parts", "found", "problem"),
    [
        (DateParts("20", "1", "2027"), date(2027, 1, 20), ""),
        (DateParts("20", "jan", "2027"), date(2027, 1, 20), ""),
        (DateParts("20", "January", "2027"), date(2027, 1, 20), ""),
        (DateParts(), None, "Enter the date"),
        (DateParts("20", "", "2027"), None, "The date must include a month"),
        (DateParts("", "", "2027"), None, "The date must include a day and month"),
        (DateParts("31", "2", "2027"), None, "The date must be a real date"),
        (DateParts("x", "2", "2027"), None, "The date must be a real date"),
        (DateParts("1", "2", "27"), None, "Year must include 4 numbers"),
    ],
)
def test_the_date_input_is_read_with_govuk_messages(
    parts: DateParts, found: date | None, problem: str
) -> None:
    assert parse_date(parts, "The date") == (found, problem)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("14:30", time(14, 30)),
        ("2:30pm", time(14, 30)),
        ("2.30 PM", time(14, 30)),
        ("9am", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("midday", time(12, 0)),
        ("9", time(9, 0)),
        ("25:00", None),
        ("13pm", None),
        ("half two", None),
        ("9:5", None),
    ],
)
def test_times_are_read_as_people_type_them(text: str, found: time | None) -> None:
    at, problem = parse_time(text, "the start time")
    assert at == found
    assert (problem == "") == (found is not None)
    if found is None:
        assert problem == "Enter the start time like 14:30 or 2:30pm"
