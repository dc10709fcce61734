"""The OpenAPI document says what the node does: who may call what, which bodies are refused,
which methods each path has, and the shape of every error."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from network.http.json_limits import INT64_MAX
from network.http.openapi import documented_structs

PUBLIC = {
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/.well-known/mentornet-node"),
    ("post", "/federation/v1/inbox"),
    ("get", "/api/v1/topics"),
}
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
async def document(client: AsyncTestClient[Litestar]) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


async def test_public_routes_need_no_credentials_and_the_rest_an_org_token(
    document: dict[str, Any],
) -> None:
    assert document["security"] == [{"orgToken": []}]
    for method, path, operation in _operations(document):
        if (method, path) in PUBLIC:
            assert operation["security"] == [], (method, path)
        elif path == "/federation/v1/cards":
            assert operation["security"] == [{"peerSignature": []}]
        else:
            assert "security" not in operation, (method, path)  # the org token


async def test_public_routes_answer_without_credentials(
    client: AsyncTestClient[Litestar],
) -> None:
    assert (await client.get("/health/live")).status_code == 200
    assert (await client.get("/api/v1/topics")).status_code == 200
    assert (await client.get("/api/v1/orgs/brent")).status_code == 401


async def test_structs_that_refuse_unknown_fields_say_so(
    app: Litestar, document: dict[str, Any]
) -> None:
    schemas = document["components"]["schemas"]
    strict = [
        t
        for t in documented_structs(app)
        if t.__struct_config__.forbid_unknown_fields and t.__name__ in schemas
    ]
    assert len(strict) > 30
    for struct in strict:
        assert schemas[struct.__name__]["additionalProperties"] is False, struct.__name__


async def test_fixed_length_arrays_and_item_constraints_are_in_the_schemas(
    document: dict[str, Any],
) -> None:
    mentee = document["components"]["schemas"]["MenteeProfileIn"]["properties"]
    [bands, _] = mentee["wanted_bands"]["anyOf"]
    assert (bands["minItems"], bands["maxItems"]) == (2, 2)
    assert mentee["languages"]["items"]["minLength"] == 2


async def test_integers_and_free_form_values_keep_within_the_json_limits(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    days = schemas["MentoringSettings"]["properties"]["request_expiry_days"]
    assert days["maximum"] == 60  # the field's own bound stays
    topics = schemas["MenteeProfileIn"]["properties"]["topics"]
    assert topics["additionalProperties"]["maximum"] == INT64_MAX
    rules = schemas["RulesIn"]["properties"]["document"]
    assert rules["additionalProperties"] == {"$ref": "#/components/schemas/JsonValue"}
    assert "JsonValue" in schemas


async def test_since_is_a_date_time_and_every_ref_resolves(document: dict[str, Any]) -> None:
    [since] = [
        p
        for p in document["paths"]["/api/v1/orgs/{slug}/hr-export.csv"]["get"]["parameters"]
        if p["name"] == "since"
    ]
    assert since["schema"]["format"] == "date-time"
    names = set(document["components"]["schemas"])
    assert {ref.rsplit("/", 1)[1] for ref in _refs(document)} <= names


async def test_ready_answers_one_schema_not_an_ambiguous_one_of(document: dict[str, Any]) -> None:
    ok = document["paths"]["/health/ready"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Ready"}


async def test_every_error_is_documented_as_problem_json(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (
                    method,
                    path,
                    status,
                )


def _concrete(path: str) -> str:
    """``path`` with its parameters filled in: an id for ``*_id``, a word otherwise."""
    return re.sub(
        r"\{([a-z_]+)\}",
        lambda m: str(uuid.uuid4()) if m.group(1).endswith("_id") else "brent",
        path,
    )


async def test_options_allows_exactly_the_documented_methods(
    client: AsyncTestClient[Litestar], document: dict[str, Any]
) -> None:
    wrong = {}
    for path, item in document["paths"].items():
        documented = {m.upper() for m in item if m in METHODS} | {"OPTIONS"}
        response = await client.options(_concrete(path))
        assert response.status_code == 204, path
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        if allowed != documented:
            wrong[path] = (sorted(allowed), sorted(documented))
    assert wrong == {}
