"""The node's OpenAPI document, made to say what the node does.

Litestar leaves three things out that a client (and schemathesis) relies on: an operation that
needs no credentials (it drops ``security=[]``, so every route inherited the org token), that a
Struct with ``forbid_unknown_fields`` refuses extra members (``additionalProperties: false``),
and, on a path whose methods come from several handlers, all of them in ``OPTIONS``' ``Allow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import msgspec
from litestar import Litestar, Request
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Operation, SecurityScheme
from litestar.routes import HTTPRoute

from network.http.json_limits import INT64_MAX, INT64_MIN, MAX_DEPTH, MAX_ITEMS

#: Routes that need an org API token (the default of every operation).
ORG_TOKEN = "orgToken"  # noqa: S105 (the name of a security scheme)
#: The card feed: a GET signed by a pinned peer's node key (``Authorization: MentorNet <JWS>``).
PEER_SIGNATURE = "peerSignature"
PEER_SIGNED: list[dict[str, list[str]]] = [{PEER_SIGNATURE: []}]
REF = "#/components/schemas/{name}"


@dataclass
class PublicOperation(Operation):
    """An operation anyone may call: ``security: []`` overrides the document's default."""

    def __post_init__(self) -> None:
        self.security = []


def _structs_in(annotation: object, found: set[type[msgspec.Struct]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        found.add(annotation)
        return
    for arg in get_args(annotation):
        _structs_in(arg, found)


def documented_structs(app: Litestar) -> list[type[msgspec.Struct]]:
    """Every Struct a documented route takes or answers (nested ones come with them)."""
    found: set[type[msgspec.Struct]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            signature = handler.parsed_fn_signature
            _structs_in(signature.return_type.annotation, found)
            if (data := signature.parameters.get("data")) is not None:
                _structs_in(data.annotation, found)
            for spec in (handler.responses or {}).values():
                _structs_in(spec.data_container, found)
    return sorted(found, key=lambda t: (t.__module__, t.__qualname__))


#: Any JSON value, as the node takes it: within the JSON limits of ``json_limits``. Not a
#: recursive schema (generators blow up on those): what a container holds is left open.
JSON_VALUE = "JsonValue"
_JSON_VALUE_REF = {"$ref": REF.format(name=JSON_VALUE)}
_JSON_VALUE: dict[str, Any] = {
    "title": JSON_VALUE,
    "description": (
        f"Any JSON value within the node's limits: at most {MAX_DEPTH} levels deep, "
        f"{MAX_ITEMS} items in an array or members in an object, integers within 64 bits."
    ),
    "anyOf": [
        {"type": ["null", "boolean", "string"]},
        {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX},
        {"type": "number", "not": {"type": "integer"}},
        {"type": "array", "maxItems": MAX_ITEMS},
        {"type": "object", "maxProperties": MAX_ITEMS},
    ],
}
_ANY_OBJECT = {"description": "Any JSON value"}  # msgspec needs a non-empty schema for object

#: What msgspec's parsers take for these formats (a format alone asserts nothing in JSON
#: Schema 2020-12, so a generator may send "" as a date-time).
_FORMAT_PATTERNS = {
    "date-time": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
}
_ONE_SCHEMA = ("items", "additionalProperties", "not", "contains")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def _within_limits(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if kind == "integer":
        schema.setdefault("minimum", INT64_MIN)
        schema.setdefault("maximum", INT64_MAX)
    elif kind == "string" and schema.get("format") in _FORMAT_PATTERNS:
        schema.setdefault("pattern", _FORMAT_PATTERNS[schema["format"]])
    elif kind == "array":
        schema.setdefault("maxItems", MAX_ITEMS)
        if "items" not in schema and "prefixItems" not in schema:
            schema["items"] = {}
    elif kind == "object" and "properties" not in schema:
        schema.setdefault("maxProperties", MAX_ITEMS)
        schema.setdefault("additionalProperties", {})


def _refined(schema: Any) -> Any:
    """``schema`` as the node behaves: "anything" is a bounded JSON value, integers are within
    64 bits (the JSON limits, and PostgreSQL's bigint), arrays and objects hold at most
    ``MAX_ITEMS``, date-times and dates have their pattern."""
    if not isinstance(schema, dict):
        return schema
    if schema in ({}, _ANY_OBJECT):
        return dict(_JSON_VALUE_REF)
    _within_limits(schema)
    for key in _ONE_SCHEMA:
        if key in schema:
            schema[key] = _refined(schema[key])
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            schema[key] = [_refined(item) for item in schema[key]]
    if isinstance(schema.get("properties"), dict):
        schema["properties"] = {k: _refined(v) for k, v in schema["properties"].items()}
    return schema


def _media_schemas(holder: dict[str, Any]) -> list[dict[str, Any]]:
    """The media types (each holding a ``schema``) of a request body or response."""
    return [m for m in (holder.get("content") or {}).values() if isinstance(m, dict)]


def _schema_holders(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of the document that holds a ``schema`` (parameters and media types)."""
    holders: list[dict[str, Any]] = []
    for item in (document.get("paths") or {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            holders.extend(operation.get("parameters") or [])
            holders.extend(_media_schemas(operation.get("requestBody") or {}))
            for response in (operation.get("responses") or {}).values():
                holders.extend(_media_schemas(response))
    return holders


def _any_object(kind: type) -> dict[str, Any]:
    if kind is object:  # e.g. ``dict[str, object]``
        return dict(_ANY_OBJECT)
    raise NotImplementedError(kind)


def make_precise(document: dict[str, Any], structs: list[type[msgspec.Struct]]) -> None:
    """Replace Litestar's component schemas of ``structs`` with msgspec's own, and refine every
    schema (:func:`_refined`). msgspec is what validates, and its schemas keep what Litestar's
    drop: constraints on list items, the length of a tuple, ``additionalProperties: false`` for
    ``forbid_unknown_fields``. (Structs whose names clash keep Litestar's schema: Litestar and
    msgspec name them differently.)"""
    _, components = msgspec.json.schema_components(
        structs, schema_hook=_any_object, ref_template=REF
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(components)
    for name, schema in schemas.items():
        schemas[name] = _refined(schema)
    for holder in _schema_holders(document):
        if "schema" in holder:
            holder["schema"] = _refined(holder["schema"])
    schemas[JSON_VALUE] = _JSON_VALUE


class PreciseJsonRenderPlugin(JsonRenderPlugin):
    """``/schema/openapi.json``, with :func:`make_precise` applied; rendered once per app."""

    def __init__(self) -> None:
        super().__init__()
        self._rendered: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._rendered is None:
            make_precise(openapi_schema, documented_structs(request.app))
            self._rendered = super().render(request, openapi_schema)
        return self._rendered


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="MentorNet",
        version=version,
        description="A node of the MentorNet federated mentoring network.",
        path="/schema",
        render_plugins=[PreciseJsonRenderPlugin(), SwaggerRenderPlugin()],
        components=Components(
            security_schemes={
                ORG_TOKEN: SecurityScheme(
                    type="http", scheme="bearer", description="An org API token"
                ),
                PEER_SIGNATURE: SecurityScheme(
                    type="http",
                    scheme="MentorNet",
                    description="A request signed by a pinned peer node's key (federation.md)",
                ),
            }
        ),
        security=[{ORG_TOKEN: []}],
    )


def fix_options_allow(app: Litestar) -> None:
    """Point each automatic ``OPTIONS`` handler at its final route.

    When a path gets handlers in more than one registration, Litestar 2 builds a new route but
    keeps the ``OPTIONS`` handler of the first, whose ``Allow`` lists only the first's methods
    (litestar#4169, fixed in Litestar 3). The handler closes over that route: rebind it."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler = route.route_handler_map["OPTIONS"][0]
        cells = handler.fn.__closure__ or ()
        for cell in cells:
            if isinstance(cell.cell_contents, HTTPRoute) and cell.cell_contents is not route:
                cell.cell_contents = route
