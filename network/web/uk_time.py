"""Dates and times as people in the UK read and type them: Europe/London on the page (GMT in
winter, BST in summer), UTC in the database. "20 January 2027", "20 January 2027, 2:30pm".

Reading a local time back is the one hard part: on the last Sunday of March 01:00–01:59 does not
exist in London (the clocks go forward) and on the last Sunday of October it happens twice. A
time that does not exist is refused with a plain message; a repeated one is the first (BST)
occurrence, as a person writing "01:30" that night most likely means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local(value: datetime) -> datetime:
    """``value`` (aware; naive is taken as UTC, as the database stores it) in London time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON)


def uk_date(value: date | datetime | str | None) -> str:
    """'20 January 2027' (a datetime by its London date; an ISO date string is read first)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return uk_date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value.day} {value:%B %Y}"


def uk_time(value: datetime) -> str:
    """'9am', '2:30pm', 'midday', 'midnight' (GOV.UK style), in London time."""
    t = local(value).time()
    if (t.hour, t.minute) == (0, 0):
        return "midnight"
    if (t.hour, t.minute) == (12, 0):
        return "midday"
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}{suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d}{suffix}"


def uk_when(value: date | datetime | str | None) -> str:
    """A date, or a date and London time: '29 March 2026, 2:30pm'."""
    if isinstance(value, datetime):
        return f"{uk_date(value)}, {uk_time(value)}"
    return uk_date(value)


def london_today(now: datetime | None = None) -> date:
    return local(now or datetime.now(UTC)).date()


class NoSuchTime(ValueError):
    """A London wall-clock time skipped when the clocks go forward."""


def from_london(day: date, at: time) -> datetime:
    """The UTC instant of ``day`` at ``at`` in London; a time in the spring gap is refused,
    a repeated autumn time is its first (BST) occurrence."""
    wall = datetime.combine(day, at).replace(tzinfo=LONDON, fold=0)
    instant = wall.astimezone(UTC)
    if instant.astimezone(LONDON).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise NoSuchTime(f"{at:%H:%M} on {uk_date(day)} does not exist: the clocks go forward")
    return instant


# --- reading the GOV.UK date input and a time box ---------------------------------------------


@dataclass(frozen=True)
class DateParts:
    """The three boxes of a GOV.UK date input as typed (kept to show the form again)."""

    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def of(cls, value: date | str | None) -> DateParts:
        if not value:
            return cls()
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return cls(str(value.day), str(value.month), str(value.year))

    @property
    def empty(self) -> bool:
        return not (self.day or self.month or self.year)


MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        date(2000, number, 1).strftime("%B").lower(),
        date(2000, number, 1).strftime("%b").lower(),
    )
}


def parse_date(parts: DateParts, label: str) -> tuple[date | None, str]:
    """The date, or ``None`` and what to tell the person (GOV.UK's wording for date errors)."""
    if parts.empty:
        return None, f"Enter {label.lower()}"
    missing = [
        n for n, v in (("day", parts.day), ("month", parts.month), ("year", parts.year)) if not v
    ]
    if missing:
        return None, f"{label} must include a {' and '.join(missing)}"
    month_text = parts.month.strip().lower()
    month = MONTHS.get(month_text) or (int(month_text) if month_text.isdigit() else 0)
    if not (parts.day.strip().isdigit() and parts.year.strip().isdigit() and month):
        return None, f"{label} must be a real date"
    year = int(parts.year)
    if year < 1000:
        return None, "Year must include 4 numbers"
    try:
        return date(year, month, int(parts.day)), ""
    except ValueError:
        return None, f"{label} must be a real date"


def parse_time(text: str, label: str) -> tuple[time | None, str]:
    """'14:30', '2:30pm', '9am', '9.15' → a time; else ``None`` and a plain message."""
    raw = text.strip().lower().replace(" ", "").replace(".", ":")
    if raw in ("midday", "noon"):
        return time(12, 0), ""
    if raw == "midnight":
        return time(0, 0), ""
    suffix = raw[-2:] if raw.endswith(("am", "pm")) else ""
    body = raw[: -len(suffix)] if suffix else raw
    hours, _, minutes = body.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()) or len(minutes) not in (0, 2):
        return None, f"Enter {label.lower()} like 14:30 or 2:30pm"
    h, m = int(hours), int(minutes or 0)
    if suffix:
        if not 1 <= h <= 12:
            return None, f"Enter {label.lower()} like 14:30 or 2:30pm"
        h = h % 12 + (12 if suffix == "pm" else 0)
    if h > 23 or m > 59:
        return None, f"Enter {label.lower()} like 14:30 or 2:30pm"
    return time(h, m), ""


def example_date(today: date, days_ahead: int = 14) -> str:
    """A GOV.UK hint: 'For example, 27 3 2026'."""
    d = today + timedelta(days=days_ahead)
    return f"For example, {d.day} {d.month} {d.year}"
