"""What every page handler shares: who is viewing (a signed-in member of the org in the
path), rendering with the org's theme and the session's CSRF token, and reading forms.

Handlers stay thin: read the form, call one service, redirect (POST/redirect/GET) or re-render
the form with its errors and the values the person typed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from network.http.actor import provide_actor
from network.http.dependencies import Db
from network.sso.flow import SsoRuntime
from network.web.done import Done, done_of
from network.web.security import HEADERS
from network.web.uk_time import DateParts, parse_date
from orgs.errors import DomainError, Unauthenticated
from orgs.models import Org
from orgs.org_settings import settings_of
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.sso_config import SsoConfigService

T = TypeVar("T")


@dataclass(frozen=True)
class Theme:
    """The org's look: its name on every page and its colour in the header."""

    slug: str
    name: str
    colour: str


def theme_of(org: Org) -> Theme:
    return Theme(org.slug, org.name, settings_of(org).brand_colour)


@dataclass(frozen=True)
class PageContext:
    """A member signed in (by session) to the org of the page."""

    actor: Actor
    member: Member
    org: Org
    csrf: str
    idp_origin: str | None  # sign-out redirects there: the CSP's form-action must allow it
    done: Done | None = None  # the action just done (``?done=``), for its confirmation panel
    manages: bool = False  # has someone reporting to them: sees "Approvals"

    @property
    def theme(self) -> Theme:
        return theme_of(self.org)

    @property
    def slug(self) -> str:
        return self.org.slug

    @property
    def base(self) -> str:
        """The org's pages: ``/orgs/{slug}``."""
        return f"/orgs/{self.org.slug}"


async def provide_viewer(request: Request[Any, Any, Any], db: Db, state: State) -> PageContext:
    """The page's viewer; not signed in → ``Unauthenticated`` (the page handler redirects)."""
    sso = SsoRuntime.of(state)
    if request.cookies.get(sso.cookies.session) is None:
        raise Unauthenticated("Sign in to see this page.")
    actor = await provide_actor(request, db)  # checks the org and, for POST, the CSRF token
    session = await sso.sessions.load(request.cookies.get(sso.cookies.session))
    if actor.via != "session" or actor.member is None or session is None:
        raise Unauthenticated("Sign in to see this page.")
    org = await db.get(Org, actor.org_id)
    assert org is not None
    config = await SsoConfigService(db, org.id).find()
    origin = None
    if config is not None:
        parts = urlsplit(config.issuer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return PageContext(
        actor,
        actor.member,
        org,
        session.record.csrf,
        origin,
        done_of(request.query_params.get("done")),
        manages=actor.line_manager,
    )


# --- rendering ---------------------------------------------------------------------------------


def with_headers(response: Response[Any], form_origin: str | None = None) -> Response[Any]:
    headers = dict(HEADERS)
    if form_origin:
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "form-action 'self'", f"form-action 'self' {form_origin}"
        )
    headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers[name] = value
    return response


def render(
    name: str,
    viewer: PageContext | None,
    *,
    theme: Theme | None = None,
    status: int | None = None,
    nav: str = "",
    errors: Errors | None = None,
    **context: Any,
) -> Template:
    """A page of ``name``, for ``viewer`` (or a visitor, with the org ``theme`` if any).
    A form shown again with ``errors`` answers 400 unless ``status`` says otherwise."""
    errors = errors or Errors()
    response = Template(
        template_name=name,
        status_code=status if status is not None else (400 if errors else 200),
        context={
            "viewer": viewer,
            "theme": viewer.theme if viewer else theme,
            "csrf": viewer.csrf if viewer else "",
            "base": viewer.base if viewer else "",
            "nav": nav,
            "errors": errors,
            "values": context.pop("values", {}),
            **context,
        },
    )
    with_headers(response, viewer.idp_origin if viewer else None)
    return response


def see_other(path: str) -> Redirect:
    """POST/redirect/GET."""
    return Redirect(path, status_code=303, headers={"Cache-Control": "no-store"})


def login_redirect(request: Request[Any, Any, Any], slug: str) -> Redirect:
    target = request.url.path if request.method == "GET" else f"/orgs/{slug}/"
    return Redirect(
        f"/orgs/{quote(slug)}/login?next={quote(target)}",
        status_code=303,
        headers={"Cache-Control": "no-store"},
    )


# --- forms -------------------------------------------------------------------------------------


@dataclass
class Errors:
    """Field errors of one form submission, in page order: ``field id → message``."""

    fields: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.summary)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


Form = dict[str, list[str]]


async def read_form(request: Request[Any, Any, Any]) -> Form:
    data = await request.form()
    return {key: [str(v) for v in data.getall(key)] for key in data}


def one(form: Form, name: str, default: str = "") -> str:
    values = form.get(name)
    return values[0].strip() if values else default


def values_of(form: Form) -> dict[str, Any]:
    """What the person typed, to put back in the form on an error (never the CSRF token)."""
    return {k: (v[0] if len(v) == 1 else v) for k, v in form.items() if k != "csrf_token"}


_AT = re.compile(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_MISSING = re.compile(r"missing required field `([A-Za-z_][A-Za-z0-9_]*)`")


def decode(
    kind: type[T], data: Mapping[str, Any], errors: Errors, labels: Mapping[str, str] | None = None
) -> T | None:
    """``data`` as a ``kind`` (a msgspec Struct); ``None`` with ``errors`` filled if it is not:
    the field named in words and what is wrong with it, never a type, a pattern or a path."""
    try:
        return msgspec.convert(dict(data), kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        found = _AT.search(message) or _MISSING.search(message)
        name = found.group(1) if found else ""
        label = label_of(name, labels) if name else "This form"
        errors.add(name or "form", plain_validation(message, label))
        return None


def label_of(name: str, labels: Mapping[str, str] | None = None) -> str:
    return (labels or {}).get(name) or name.replace("_", " ").capitalize()


_BOUND = re.compile(r"Expected `(\w+)`(?: of length)? (<=|>=|<|>) (-?[\d.]+)")
_WORDS = {"<=": "{n} or less", ">=": "{n} or more", "<": "less than {n}", ">": "more than {n}"}
_LENGTHS = {
    "str": {"<=": "{n} characters or fewer", ">=": "at least {n} characters"},
    "array": {"<=": "no more than {n} choices", ">=": "at least {n} choice(s)"},
}


def plain_validation(message: str, label: str) -> str:
    """A msgspec validation message about the field ``label`` in plain words."""
    text = message.split(" - at ")[0]
    if "missing required field" in text:
        return f"Enter {label[:1].lower() + label[1:]}"
    bound = _BOUND.match(text)
    if bound:
        kind, op, n = bound.groups()
        if " of length " in text:
            words = _LENGTHS.get(kind, _LENGTHS["str"]).get(op, "a different length")
            if kind == "array":
                return f"{label}: choose {words.format(n=n)}"
            return f"{label} must be {words.format(n=n)}"
        return f"{label} must be {_WORDS[op].format(n=n)}"
    if "matching regex" in text:
        return f"{label} must use only lower-case letters, numbers and hyphens"
    if "Invalid enum value" in text:
        return f"{label}: choose one of the options"
    if "RFC3339" in text or "date" in text.lower():
        return f"{label} must be a real date"
    if "Expected `int`" in text or "Expected `float`" in text:
        return f"{label} must be a number" + (", like 3" if "int" in text else "")
    if "Expected `bool`" in text:
        return f"{label}: choose yes or no"
    return f"Check {label[:1].lower() + label[1:]}"


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_PATH = re.compile(r"^[A-Za-z_][\w]*(\[\d+\])?(\.[A-Za-z_][\w]*(\[\d+\])?)*: ")
_WHO_ID = re.compile(r"\b(mentee|mentor|member|person|application|request) (\S{36}):?")


def plain_message(text: str, names: Mapping[str, str] | None = None) -> str:
    """A service's message without internal paths or ids: "moves[0].mentor: mentor 6b40…: not
    a mentor of this run" → "The mentor you chose is not a mentor of this run"; an id of
    someone in ``names`` (id → name) becomes their name."""
    text = _PATH.sub("", text.strip())
    known = {str(k): v for k, v in (names or {}).items()}

    def who(match: re.Match[str]) -> str:
        kind, ident = match.group(1), match.group(2)
        name = known.get(ident)
        if name:
            return f"{name} ({kind})" + (":" if match.group(0).endswith(":") else "")
        return f"the {kind} you chose" + (" –" if match.group(0).endswith(":") else "")

    text = _WHO_ID.sub(who, text)
    text = _UUID.sub("the one you chose", text)
    text = text.replace(" – not a ", " is not a ").replace(" – ", ": ")
    return text[:1].upper() + text[1:]


def domain_errors(
    exc: DomainError,
    errors: Errors,
    fields: Iterable[str] = (),
    *,
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """A service's refusal as form errors, in plain words: on the field where the field is on
    the form (``moves[0].mentor`` is the form's ``mentor``), else in the summary, named by its
    label; ids become names (``names``) or words, never an internal path. ``aliases``: a
    service's field name → the form's (``starts_at`` → ``meeting_date``)."""
    known = set(fields)
    words = {**(fields if isinstance(fields, Mapping) else {}), **(labels or {})}
    for e in exc.errors:
        parts = [(aliases or {}).get(p, p) for p in (q.split("[")[0] for q in e.field.split("."))]
        name = next((p for p in (parts[-1], parts[0]) if p in known), "")
        message = plain_message(e.message, names)
        bare = e.message.split(" ", 1)[0] in ("must", "is", "cannot", "should", "needs")
        if name:  # "must be 0–10" on its own says nothing about which answer
            errors.add(name, f"{words[name]} {e.message}" if bare and name in words else message)
        elif labels and parts[-1] in labels:
            errors.summary = errors.summary or f"{labels[parts[-1]]}: {message}"
        else:
            errors.summary = errors.summary or message
    if not exc.errors:
        errors.summary = plain_message(exc.detail, names)


def date_parts(form: Form, name: str) -> DateParts:
    """The three boxes of the GOV.UK date input ``name`` as typed."""
    return DateParts(
        one(form, f"{name}-day"), one(form, f"{name}-month"), one(form, f"{name}-year")
    )


def read_date(
    form: Form, name: str, label: str, errors: Errors, *, required: bool = True
) -> date | None:
    """The date typed in the date input ``name``; ``None`` (with an error unless it may be
    left empty and was) if there is none."""
    parts = date_parts(form, name)
    if parts.empty and not required:
        return None
    day, problem = parse_date(parts, label)
    if problem:
        errors.add(name, problem)
    return day


def uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


#: Handler parameter type for the pages' ``viewer`` dependency.
PageContext_ = NamedDependency[PageContext]
