"""RFC 9457 problem details: the one shape of every 4xx and 5xx response of the node.

Domain errors, Litestar's own HTTP errors and anything unexpected are all mapped here,
in one place, so handlers never build error responses themselves.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from federation.errors import FederationError
from network.faults import RETRY_AFTER_S, Store, store_fault
from network.http.body_guard import CLIENT_CLOSED, ClientDisconnected
from network.http.json_limits import JsonTooComplex
from network.http.request_context import request_id_of
from network.logs import get_logger
from orgs.errors import (
    AlreadyExists,
    DomainError,
    FieldError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:mentornet:problem:"

log = get_logger("mentornet.http")


class ProblemField(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """The problem+json body (RFC 9457) with our field-level ``errors`` extension."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemField] = msgspec.field(default_factory=list)


DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    AlreadyExists: 409,
    InvalidInput: 422,
    IllegalTransition: 409,
    Unauthenticated: 401,
    Forbidden: 403,
    Unavailable: 503,
    JsonTooComplex: 400,
}

HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    408: ("request-timeout", "Request timeout"),
    409: ("conflict", "Conflict"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    429: ("too-many-requests", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


def documented_problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers a route may give."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=HTTP_CODES.get(status, ("", "Error"))[1],
        )
        for status in statuses
    }


#: What every token-authenticated API route may answer besides success.
API_PROBLEMS = documented_problems(400, 401, 403, 404, 409, 413, 422, 429, 503)


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: tuple[FieldError, ...] | list[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = Problem(
        type=TYPE_PREFIX + code,
        title=title,
        status=status,
        detail=detail,
        errors=[ProblemField(e.field, e.message) for e in errors],
    )
    all_headers = {"WWW-Authenticate": 'Bearer realm="mentornet"'} if status == 401 else {}
    all_headers.update(headers or {})
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=all_headers,
    )


def _domain_status(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 400


def _retry_after(exc: DomainError | FederationError) -> dict[str, str] | None:
    """``Retry-After`` for errors that say when trying again makes sense (a store that is
    down), nothing for the others."""
    seconds = exc.retry_after_s
    return None if seconds is None else {"Retry-After": str(seconds)}


def handle_federation_error(_: Request[Any, Any, Any], exc: FederationError) -> Response[bytes]:
    return problem_response(exc.status, exc.code, exc.title, exc.detail, headers=_retry_after(exc))


def handle_domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    return problem_response(
        _domain_status(exc), exc.code, exc.title, exc.detail, exc.errors, _retry_after(exc)
    )


# msgspec says where the fault is as "$.field" or "$.list[0].field"; clients want "list[0].field".
_JSON_PATH = re.compile(r"\s*-\s*at\s*`\$\.?([^`]*)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors: list[FieldError] = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "is not valid"))
        key = item.get("key")
        # Litestar names the whole body "data"; the message knows the real field.
        field = str(key) if key and key != "data" else ""
        path = _JSON_PATH.search(message)
        if path:
            field = path.group(1) or field
            message = _JSON_PATH.sub("", message)
        unknown = _UNKNOWN_FIELD.search(message)
        if unknown:
            field = ".".join(filter(None, (field, unknown.group(1))))
            message = "unknown field"
        errors.append(FieldError(field or str(item.get("source") or "body"), message))
    return errors


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status >= 500:
        return handle_unexpected(request, exc)
    code, title = HTTP_CODES.get(status, ("client-error", "Request could not be completed"))
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        detail = (
            "The request did not pass validation: "
            + "; ".join(f"{e.field}: {e.message}" for e in errors)
            if errors
            else "The request did not pass validation."
        )
        return problem_response(400, "validation-failed", "Validation failed", detail, errors)
    detail = str(exc.detail) if exc.detail and exc.detail != title else title
    if status == 404 and detail == "Not Found":
        detail = f"Nothing at {request.url.path}."
    if status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        allow = headers.get("allow") or headers.get("Allow")
        headers = {"Allow": allow} if allow else {}
    if isinstance(exc.__cause__, SerializationException):
        return problem_response(
            400,
            "malformed-json",
            "Malformed JSON",
            "The request body is not valid JSON.",
            [FieldError("body", "not valid JSON")],
        )
    return problem_response(status, code, title, detail, headers=headers)


def handle_client_disconnected(
    request: Request[Any, Any, Any], _: ClientDisconnected
) -> Response[bytes]:
    """The client left mid-body: nothing to answer and nothing wrong here, so no traceback."""
    log.info("client_disconnected", method=request.method, path=request.url.path)
    return problem_response(
        CLIENT_CLOSED,
        "client-disconnected",
        "Client disconnected",
        "The connection closed before the whole request body arrived.",
    )


def log_store_fault(request: Request[Any, Any, Any], store: Store, exc: BaseException) -> None:
    """One line per request and no traceback: an outage is news once, not a bug report."""
    log.warning(
        "store_unavailable",
        store=store,
        method=request.method,
        path=request.url.path,
        error_type=type(exc).__name__,
    )


#: The answer to a request whose store failed: try again shortly, nothing was done.
RETRY_HEADERS = {"Retry-After": str(RETRY_AFTER_S)}


def handle_store_fault(
    request: Request[Any, Any, Any], store: Store, exc: BaseException
) -> Response[bytes]:
    log_store_fault(request, store, exc)
    return problem_response(
        503,
        "store-unavailable",
        "Service unavailable",
        f"The node cannot reach its {store} right now; nothing was changed. "
        f"Please try again in {RETRY_AFTER_S} seconds.",
        headers=RETRY_HEADERS,
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    store = store_fault(exc)
    if store is not None:
        return handle_store_fault(request, store, exc)
    request_id = request_id_of(request.scope)
    log.error(
        "unhandled_error",
        request_id=request_id,
        method=request.method,
        path=request.url.path,
        error_type=type(exc).__name__,
        exc_info=exc,
    )
    return problem_response(
        500,
        "internal-error",
        "Internal error",
        f"Something went wrong on our side. Quote request id {request_id} if you report it.",
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: handle_domain_error,
    FederationError: handle_federation_error,
    HTTPException: handle_http_exception,
    ClientDisconnected: handle_client_disconnected,
    Exception: handle_unexpected,
}
