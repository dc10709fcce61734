"""Errors on browser routes are friendly HTML pages; ``/api/v1`` (and every other machine
route) keeps its problem+json. One wrapper around the app's exception handlers decides."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandler, ExceptionHandlersMap

from network.faults import RETRY_AFTER_S, store_fault
from network.http.body_guard import ClientDisconnected
from network.http.problems import (
    RETRY_HEADERS,
    _domain_status,
    handle_client_disconnected,
    log_store_fault,
)
from network.http.request_context import request_id_of
from network.logs import get_logger
from network.web.pages import login_redirect, render
from orgs.errors import DomainError, Unauthenticated

log = get_logger("mentornet.web")

#: Paths that are pages (everything else answers machines: API, federation, health, schema).
PAGE_PREFIXES = ("/orgs/",)


def is_page(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path != "/" and not path.startswith(PAGE_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    return not ("json" in accept and "text/html" not in accept)


def error_page(
    request: Request[Any, Any, Any], status: int, title: str, detail: str
) -> Response[Any]:
    slug = request.path_params.get("slug") if request.path_params else None
    return render(
        "error.html",
        None,
        status=status,
        title=title,
        detail=detail,
        slug=slug if isinstance(slug, str) else None,
    )


def page_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The page answer to ``exc``: sign in again, or say what happened in plain words."""
    slug = request.path_params.get("slug") if request.path_params else None
    if isinstance(exc, Unauthenticated) and isinstance(slug, str) and request.method == "GET":
        return login_redirect(request, slug)
    if isinstance(exc, ClientDisconnected):
        return handle_client_disconnected(request, exc)
    if isinstance(exc, DomainError):
        page = error_page(request, _domain_status(exc), exc.title, exc.detail)
        if exc.retry_after_s is not None:
            page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    if isinstance(exc, ValidationException):
        return error_page(request, 400, "Something is wrong with this address", str(exc.detail))
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        if exc.status_code == 404:
            return error_page(
                request, 404, "Page not found", "If you typed the web address, check it is correct."
            )
        page = error_page(request, exc.status_code, "This could not be done", str(exc.detail))
        if exc.status_code == 429 and exc.headers:
            page.headers["Retry-After"] = exc.headers["Retry-After"]
        return page
    store = store_fault(exc)
    if store is not None:
        log_store_fault(request, store, exc)
        page = error_page(
            request,
            503,
            "Sorry, the service is unavailable",
            f"Nothing was changed. Please try again in {RETRY_AFTER_S} seconds.",
        )
        page.headers.update(RETRY_HEADERS)
        return page
    request_id = request_id_of(request.scope)
    log.error(
        "unhandled_error",
        request_id=request_id,
        method=request.method,
        path=request.url.path,
        error_type=type(exc).__name__,
        exc_info=exc,
    )
    return error_page(
        request,
        500,
        "Sorry, there is a problem with the service",
        f"Try again later. Quote request id {request_id} if you report it.",
    )


def _either(api: ExceptionHandler) -> ExceptionHandler:  # type: ignore[type-arg]
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        if is_page(request):
            return page_error(request, exc)
        response: Response[Any] = api(request, exc)
        return response

    return handle


def with_pages(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The app's problem+json handlers, answering pages with HTML instead."""
    return {key: _either(handler) for key, handler in handlers.items()}


__all__ = ["is_page", "page_error", "with_pages"]
