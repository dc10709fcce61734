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
from network.web.security import HEADERS
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
    return PageContext(actor, actor.member, org, session.record.csrf, origin)


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


def decode(
    kind: type[T], data: Mapping[str, Any], errors: Errors, labels: Mapping[str, str] | None = None
) -> T | None:
    """``data`` as a ``kind`` (a msgspec Struct); ``None`` with ``errors`` filled if it is not."""
    try:
        return msgspec.convert(dict(data), kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        found = _AT.search(message)
        name = found.group(1) if found else ""
        label = (labels or {}).get(name, name.replace("_", " ").capitalize() or "This form")
        errors.add(name or "form", f"{label}: {_plain(message)}")
        return None


def _plain(message: str) -> str:
    text = message.split(" - at ")[0]
    text = text.replace("Expected `int`", "Enter a whole number").replace("Expected `str`", "")
    text = text.replace("Object missing required field", "Enter a value for")
    return text.strip() or "check this answer"


def domain_errors(exc: DomainError, errors: Errors, fields: Iterable[str] = ()) -> None:
    """A service's refusal as form errors: field errors where the field is on the form."""
    known = set(fields)
    placed = False
    for e in exc.errors:
        name = e.field.split(".")[0].split("[")[0]
        if name in known:
            errors.add(name, e.message[:1].upper() + e.message[1:])
            placed = True
    if not placed:
        errors.summary = exc.detail


def uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


#: Handler parameter type for the pages' ``viewer`` dependency.
PageContext_ = NamedDependency[PageContext]
