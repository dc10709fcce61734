"""CSRF defence for cookie-authenticated requests: a synchroniser token plus an Origin check.

Every unsafe request (anything but GET/HEAD/OPTIONS) that a session cookie authenticates must
carry the session's token in ``X-CSRF-Token`` (scripts; ``GET /api/v1/me`` tells it) or in the
form field ``csrf_token`` (server-rendered forms), and, if the browser sent an ``Origin``, it must
be this node's. Requests with ``Authorization: Bearer`` are not cookie-authenticated and are
exempt. Litestar's CSRF middleware is not used: its cookie defaults are unsafe (see DESIGN) and
a per-session token needs no extra cookie at all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request

from network.sso.errors import CsrfRefused
from network.sso.flow import SsoRuntime
from network.sso.sessions import CSRF_FIELD, CSRF_HEADER, Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def check_csrf(request: Request[Any, Any, Any], session: Session) -> None:
    """The session's synchroniser token, from the header or the form, and a same-site Origin."""
    sso = SsoRuntime.of(request.app.state)
    origin = request.headers.get("origin")
    base = urlsplit(sso.settings.base_url)
    if origin is not None and origin.rstrip("/") != f"{base.scheme}://{base.netloc}":
        raise CsrfRefused("This request came from another site and was refused.")
    token = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if token is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not session.csrf_matches(token):
        raise CsrfRefused(
            "This request is missing its security token (CSRF); reload the page and try again."
        )
