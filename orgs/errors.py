"""Domain errors of ``orgs``; ``network`` maps each to problem+json by its ``code``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a client may see. ``detail`` must be safe to show."""

    code = "domain-error"
    title = "Request could not be completed"
    #: Seconds after which trying again makes sense (sent as ``Retry-After``), if known.
    retry_after_s: ClassVar[int | None] = None

    def __init__(self, detail: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    """Also raised for rows of another org: existence is never confirmed across orgs."""

    code = "not-found"
    title = "Not found"


class AlreadyExists(DomainError):
    code = "already-exists"
    title = "Already exists"


class InvalidInput(DomainError):
    code = "invalid-input"
    title = "Invalid input"

    @classmethod
    def on(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", (FieldError(field, message),))


class IllegalTransition(DomainError):
    code = "illegal-transition"
    title = "Not allowed in the current state"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class Unavailable(DomainError):
    """Something the request needs (e.g. an org's identity provider) is down; try later."""

    code = "unavailable"
    title = "Service unavailable"


class ConstraintViolation(InvalidInput):
    """A coordinator's pin or move that breaks a hard matching constraint or a capacity;
    the message and the field name the pair."""

    code = "constraint-violation"
    title = "Breaks a matching constraint"
