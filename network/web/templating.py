"""Jinja for the web pages: autoescaped templates, a few filters, and the static files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from network.web.security import security_headers
from network.web.status import status_of
from network.web.taxonomy import REGION_OPTIONS, SECTOR_OPTIONS, options_with
from network.web.uk_time import DateParts, uk_date, uk_time, uk_when

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def humanise(value: object) -> str:
    """An enum value or code as words: 'awaiting_manager' → 'Awaiting manager'."""
    text = str(getattr(value, "value", value) or "").replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


_RULE_ID = re.compile(r"\s*\(rule: [^)]*\)")


def plain_reason(text: object) -> str:
    """An eligibility reason in its rule's own words, without the rule's id (an admin's
    name for it): "Not school-based (rule: non-school-based)" → "Not school-based"."""
    return _RULE_ID.sub("", str(text))


def date_parts_of(values: Mapping[str, Any], name: str, default: object = None) -> DateParts:
    """What a date input ``name`` shows: the boxes as typed, else ``default`` (a date)."""
    if any(f"{name}-{p}" in values for p in ("day", "month", "year")):
        return DateParts(*(str(values.get(f"{name}-{p}", "")) for p in ("day", "month", "year")))
    return DateParts.of(default if isinstance(default, (date, str)) else None)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = uk_when  # a date, or a date and time, in London
    env.filters["day"] = uk_date
    env.filters["reason"] = plain_reason
    env.filters["clock"] = uk_time
    env.globals["date_parts"] = date_parts_of
    env.globals["options_with"] = options_with
    env.globals["status_of"] = status_of
    env.globals["regions"] = REGION_OPTIONS
    env.globals["sectors"] = SECTOR_OPTIONS
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
