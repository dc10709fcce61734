"""Status tags in plain English: what a state means to the person reading it, not the name
of the state in the code ("Queued", "Superseded"). The same word means different things for
different things (an open request, an open objective), so each kind has its own words."""

from __future__ import annotations

#: kind → state → (words, GOV.UK tag colour)
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "request": {
        "queued": ("Not sent yet", "grey"),
        "open": ("Waiting for an answer", "blue"),
        "accepted": ("Accepted", "green"),
        "declined": ("Declined", "red"),
        "expired": ("No answer in time", "grey"),
        "withdrawn": ("Withdrawn", "grey"),
        "superseded": ("Not needed: another mentor accepted", "grey"),
    },
    "application": {
        "submitted": ("Sent", "blue"),
        "awaiting_line_manager": ("Awaiting line manager", "yellow"),
        "approved": ("Approved", "green"),
        "declined": ("Declined", "red"),
        "ineligible": ("Not eligible", "red"),
        "exception_requested": ("Exception asked for", "yellow"),
        "exception_granted": ("Exception granted", "green"),
        "exception_refused": ("Exception refused", "red"),
        "withdrawn": ("Withdrawn", "grey"),
    },
    "relationship": {
        "agreeing": ("Agreeing how you will work", "yellow"),
        "active": ("Active", "green"),
        "ended": ("Ended", "grey"),
    },
    "meeting": {
        "scheduled": ("Planned", "blue"),
        "held": ("Held", "green"),
        "cancelled": ("Cancelled", "grey"),
    },
    "shadowing": {
        "proposed": ("Proposed: awaiting line manager", "yellow"),
        "agreed": ("Agreed", "green"),
        "declined": ("Declined", "red"),
        "completed": ("Done", "grey"),
        "cancelled": ("Cancelled", "grey"),
    },
    "objective": {
        "open": ("In progress", "blue"),
        "achieved": ("Achieved", "green"),
        "dropped": ("Dropped", "grey"),
    },
    "run": {
        "draft": ("Draft: not published", "yellow"),
        "published": ("Published", "green"),
    },
    "import": {
        "queued": ("Waiting to start", "grey"),
        "running": ("In progress", "blue"),
        "done": ("Finished", "green"),
        "failed": ("Failed: nothing imported", "red"),
    },
}


def status_of(state: object, kind: str) -> tuple[str, str]:
    """The words and colour for ``state`` (an enum or its value) of a ``kind`` of thing."""
    value = str(getattr(state, "value", state) or "")
    found = WORDS.get(kind, {}).get(value)
    if found is not None:
        return found
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:], "blue"
