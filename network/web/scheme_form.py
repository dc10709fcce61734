"""The scheme form (create and edit) read into the service's ``SchemeSpec``, with every refusal
in plain words on its field; and the answers in words for the check page and the set-up page."""

from __future__ import annotations

from datetime import date
from typing import Any

from network.web.pages import Errors, Form, decode, one, plain_message, read_date
from network.web.uk_time import uk_date
from orgs.errors import AlreadyExists, DomainError
from orgs.schemes.schemes import Scheme, SchemeForm, SchemeKind, SchemeSpec

DATES = ("applications_open_on", "applications_close_on", "starts_on", "ends_on")
NUMBERS = (
    "mentee_places",
    "mentor_places",
    "group_size",
    "max_months",
    "time_release_hours",
    "recommended_sessions",
)
#: Each field in words: error messages and the check page use them.
LABELS = {
    "name": "Name of the scheme",
    "slug": "Short name",
    "description": "What the scheme offers",
    "kind": "Kind of mentoring",
    "form": "How people join",
    "applications_open_on": "Date applications open",
    "applications_close_on": "Date applications close",
    "starts_on": "Start date",
    "ends_on": "End date",
    "mentee_places": "Mentee places",
    "mentor_places": "Mentor places",
    "group_size": "Mentees in each group",
    "max_months": "Longest a relationship may last, in months",
    "time_release_hours": "Hours of work time each person may use",
    "recommended_sessions": "Meetings we recommend",
}
KINDS = (
    (SchemeKind.ONE_TO_ONE.value, "One to one", "One mentor and one mentee."),
    (SchemeKind.REVERSE.value, "Reverse mentoring", "A junior colleague mentors a senior one."),
    (SchemeKind.GROUP.value, "Group mentoring", "One mentor and a small group of mentees."),
)
FORMS = (
    (SchemeForm.OPEN.value, "Open all year", "People apply at any time and find a mentor."),
    (
        SchemeForm.COHORT.value,
        "A cohort programme",
        "An application window, set dates and a number of places; you shortlist and match.",
    ),
)
DEFAULTS = {
    "kind": SchemeKind.ONE_TO_ONE.value,
    "form": SchemeForm.OPEN.value,
    "max_months": "9",
    "time_release_hours": "12",
    "recommended_sessions": "6",
}


def read_spec(form: Form, errors: Errors, slug: str | None = None) -> SchemeSpec | None:
    """The form as a ``SchemeSpec`` (``slug`` given when editing: it does not change), or
    ``None`` with ``errors`` filled."""
    data: dict[str, Any] = {k: one(form, k) for k in ("name", "description", "kind", "form")}
    data["slug"] = slug if slug is not None else one(form, "slug")
    if not data["name"]:
        errors.add("name", "Enter the name of the scheme")
    if not data["slug"]:
        errors.add("slug", "Enter a short name for web addresses, like spring-cohort")
    for name in DATES:
        day = read_date(form, name, LABELS[name], errors, required=False)
        if day is not None:
            data[name] = day
    for name in NUMBERS:
        text = one(form, name)
        if not text:
            continue
        if not text.isdigit():
            errors.add(name, f"{LABELS[name]} must be a whole number, like 12")
        data[name] = text
    if errors:
        return None
    return decode(SchemeSpec, data, errors, LABELS)


def _said(field: str, message: str, label: str) -> str:
    if message == "a cohort programme needs it":
        return f"Enter the {label[:1].lower() + label[1:]}: a cohort programme needs it"
    if message.startswith("more than"):
        months = message.split()[2]
        return f"The end date must be no more than {months} months after the start date"
    words = {
        "lower-case letters, digits and hyphens": "The short name must start with a letter and "
        "use only lower-case letters, numbers and single hyphens",
        "is before the window opens": "The date applications close must be after the date "
        "they open",
        "must be after starts_on": "The end date must be after the start date",
        "is before applications close": "The start date must be after applications close",
        "only group schemes have a group size": "Leave the mentees in each group empty "
        "unless this is group mentoring",
        "cannot change once the scheme exists": "The short name cannot change",
    }
    return words.get(message, f"{label}: {plain_message(message)}")


def spec_errors(exc: DomainError, errors: Errors) -> None:
    """The service's refusal of a scheme, on the form's fields in plain words."""
    if isinstance(exc, AlreadyExists):
        errors.add("slug", "A scheme with this short name already exists: choose another")
        return
    for e in exc.errors:
        if e.field in LABELS:
            errors.add(e.field, _said(e.field, e.message, LABELS[e.field]))
        else:
            errors.summary = errors.summary or plain_message(e.message)
    if not exc.errors:
        errors.summary = plain_message(exc.detail)


def values_of_scheme(scheme: Scheme) -> dict[str, str]:
    """A scheme's details as the form shows them (dates as ISO, read by ``date_parts``)."""
    values = {k: str(getattr(scheme, k) or "") for k in ("name", "slug", "description")}
    values["kind"], values["form"] = scheme.kind.value, scheme.form.value
    for name in DATES:
        day: date | None = getattr(scheme, name)
        values[name] = day.isoformat() if day else ""
    for name in NUMBERS:
        number = getattr(scheme, name)
        values[name] = "" if number is None else str(number)
    return values


def answers(spec: SchemeSpec | Scheme) -> list[tuple[str, str]]:
    """The scheme's details in words: (question, answer) rows."""
    kinds = {v: w for v, w, _ in KINDS}
    forms = {v: w for v, w, _ in FORMS}
    rows = [
        (LABELS["name"], spec.name),
        (LABELS["slug"], spec.slug),
        (LABELS["description"], spec.description or "Not given"),
        (LABELS["kind"], kinds[spec.kind.value]),
        (LABELS["form"], forms[spec.form.value]),
    ]
    for name in DATES:
        day = getattr(spec, name)
        rows.append((LABELS[name], uk_date(day) if day else "Not set"))
    for name in NUMBERS:
        number = getattr(spec, name)
        rows.append((LABELS[name], "Not set" if number is None else str(number)))
    return rows
