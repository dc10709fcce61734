"""Jinja for the web pages: autoescaped templates, a few filters, and the static files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from network.web.security import security_headers

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def when(value: datetime | date | None) -> str:
    """A date or time as people read it, e.g. '3 March 2026, 14:30'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y, %H:%M}"
    return f"{value.day} {value:%B %Y}"


def humanise(value: object) -> str:
    """An enum value or code as words: 'awaiting_manager' → 'Awaiting manager'."""
    text = str(getattr(value, "value", value) or "").replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["humanise"] = humanise
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment()))


def static_router() -> ControllerRouterHandler:
    """``/static/…``: the compiled stylesheet (see web/ and docs/web.md); cached for an hour."""
    return create_static_files_router(
        path="/static",
        directories=[STATIC],
        name="static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600, public=True),
        send_as_attachment=False,
        after_request=security_headers,
    )
