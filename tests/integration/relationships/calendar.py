"""Reading what the emails of a journey carry: their links and their calendar objects (parsed
with ``icalendar``, as a calendar client would)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

import icalendar

from tests.integration.relationships.mail import parts

URL = re.compile(r"https?://[^\s<>\"']+")
HREF = re.compile(r'href="([^"]+)"')


def links(message: Message) -> set[str]:
    """Every link in the plain text, the HTML and the calendar object of ``message``."""
    bodies = parts(message)
    found = set(URL.findall(bodies.get("text/plain", "")))
    found |= {html.unescape(h) for h in HREF.findall(bodies.get("text/html", ""))}
    sent = invitation(message)
    if sent is not None:
        assert sent.url, "a calendar object without the page it is about"
        found.add(sent.url)
    return found


@dataclass(frozen=True)
class Invitation:
    method: str  # the METHOD inside the object
    part_method: str  # the ``method`` parameter of its text/calendar part (RFC 6047)
    uid: str
    sequence: int
    status: str
    starts: datetime
    stamp: datetime
    organiser: str
    attendees: frozenset[str]
    attached: bool  # also as an invite.ics attachment
    url: str  # the page it is about


def invitation(message: Message) -> Invitation | None:
    calendar_part = next(
        (p for p in message.walk() if p.get_content_type() == "text/calendar"), None
    )
    if calendar_part is None:
        return None
    payload = calendar_part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    cal = icalendar.Calendar.from_ical(payload)
    [event] = cal.walk("VEVENT")
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    starts, stamp = event.decoded("DTSTART"), event.decoded("DTSTAMP")
    assert starts.utcoffset().total_seconds() == 0
    assert stamp.utcoffset().total_seconds() == 0
    return Invitation(
        method=str(cal["METHOD"]),
        part_method=str(calendar_part.get_param("method")),
        uid=str(event["UID"]),
        sequence=int(event.decoded("SEQUENCE")),
        status=str(event["STATUS"]),
        starts=starts.astimezone(UTC),
        stamp=stamp.astimezone(UTC),
        organiser=str(event["ORGANIZER"]),
        attendees=frozenset(str(a).removeprefix("mailto:") for a in attendees),
        attached=any(p.get_filename() == "invite.ics" for p in message.walk()),
        url=str(event.get("URL", "")),
    )
