"""Limits on the shape of a JSON body: nesting, items per array or object, and numbers.

msgspec decodes nesting by recursion (100,000 ``[`` raise RecursionError, which was a 500),
and it decodes integers of any size (which then overflow a database column) and arrays of any
length. The decoded value is walked once (containers and numbers only, so it is cheap); a body
the decoder cannot take (too deep, or a number out of range) is scanned token by token to say
where. Either way the client gets a 400 that names the field, as ``a.b[3].c``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException
from litestar.types import Empty

from orgs.errors import DomainError, FieldError

#: Deeper than any request body of the API (the deepest is about 5).
MAX_DEPTH = 32
#: Items in one array or members in one object; fields may set lower limits of their own.
MAX_ITEMS = 10_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Strings (so that brackets inside them do not count), the six structural characters, and
# numbers. Anything else (whitespace, true/false/null, garbage) is left for the decoder.
# A string may run to the end of the body unclosed, so that a body of stray quotes is still one
# linear pass and never a backtracking search from every quote.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[\[\]{},:]|-?[0-9][0-9.eE+-]*', re.DOTALL)


class JsonTooComplex(DomainError):
    code = "json-limit"
    title = "JSON body over a limit"


@dataclass
class _Container:
    is_array: bool
    commas: int = 0
    key: bytes | None = None


def _name(key: bytes) -> str:
    try:
        return str(msgspec.json.decode(key))
    except msgspec.DecodeError:
        return key[1:-1].decode("utf-8", "replace")


def _path(stack: list[_Container]) -> str:
    """Where the next value in the innermost container sits, e.g. ``mentors[2].remote``."""
    parts: list[str] = []
    for level in stack:
        if level.is_array:
            parts.append(f"[{level.commas}]")
        elif level.key is not None:
            parts.append(f".{_name(level.key)}" if parts else _name(level.key))
    return "".join(parts) or "body"


def _number_fault(token: bytes) -> str | None:
    if b"e" in token or b"E" in token or b"." in token:
        try:
            value = float(token)
        except ValueError:
            return None  # not a number at all: the decoder says so
        return "number out of range" if abs(value) == float("inf") else None
    digits = len(token.lstrip(b"-"))
    if digits > 19 or (digits == 19 and not INT64_MIN <= int(token) <= INT64_MAX):
        return "integer outside the 64-bit range"
    return None


def _too_many(stack: list[_Container]) -> FieldError | None:
    """After a comma: does the innermost container now hold more than allowed?"""
    top = stack[-1]
    top.commas += 1
    if top.commas < MAX_ITEMS:
        return None
    what = "items" if top.is_array else "members"
    return FieldError(_path(stack[:-1]), f"more than {MAX_ITEMS} {what}")


def json_fault(body: bytes) -> FieldError | None:
    """The first limit ``body`` breaks, and where; None if within every limit."""
    stack: list[_Container] = []
    last_string = b""
    for token in _TOKEN.findall(body):
        first = token[:1]
        fault: FieldError | None = None
        if first == b'"':
            last_string = token
        elif first in (b"[", b"{"):
            if len(stack) >= MAX_DEPTH:
                return FieldError(_path(stack), f"nested deeper than {MAX_DEPTH} levels")
            stack.append(_Container(is_array=first == b"["))
        elif first not in b"]},:":
            message = _number_fault(token)
            fault = FieldError(_path(stack), message) if message else None
        elif not stack:
            pass  # a stray bracket or comma at the top: the decoder refuses it
        elif first in (b"]", b"}"):
            stack.pop()
        elif first == b",":
            fault = _too_many(stack)
        else:  # the colon after a key
            stack[-1].key = last_string
        if fault is not None:
            return fault
    return None


def _joined(key: str | int, inner: str) -> str:
    head = f"[{key}]" if isinstance(key, int) else key
    if inner in ("", "body"):
        return head
    return f"{head}{inner}" if inner.startswith("[") else f"{head}.{inner}"


def _int_fault(value: int) -> FieldError | None:
    if INT64_MIN <= value <= INT64_MAX:
        return None
    return FieldError("body", "integer outside the 64-bit range")


def value_fault(value: object, depth: int = 0) -> FieldError | None:
    """The first limit a decoded JSON ``value`` breaks, and where; None if within every limit.
    The same limits as :func:`json_fault`, on the value instead of the bytes."""
    items: Any
    if type(value) is int:
        return _int_fault(value)
    if isinstance(value, dict):
        items, what = value.items(), "members"
    elif isinstance(value, list):
        items, what = enumerate(value), "items"
    else:
        return None
    if depth >= MAX_DEPTH:
        return FieldError("body", f"nested deeper than {MAX_DEPTH} levels")
    if len(value) > MAX_ITEMS:
        return FieldError("body", f"more than {MAX_ITEMS} {what}")
    for key, item in items:
        kind = type(item)
        # Strings, floats, booleans and null are within the limits once decoded.
        if kind is int:
            if INT64_MIN <= item <= INT64_MAX:
                continue
            fault = _int_fault(item)
        elif kind is dict or kind is list:
            fault = value_fault(item, depth + 1)
        else:
            continue
        if fault is not None:
            return FieldError(_joined(key, fault.field), fault.message)
    return None


def _refuse(fault: FieldError) -> JsonTooComplex:
    return JsonTooComplex(f"{fault.field}: {fault.message}.", (fault,))


class BoundedRequest(Request[Any, Any, Any]):
    """The app's request class: the JSON body must keep within the limits (Litestar decodes
    every JSON ``data`` parameter through :meth:`json`)."""

    async def json(self) -> Any:
        first = self._json is Empty and self._connection_state.json is Empty
        try:
            value = await super().json()
        except RecursionError:
            raise _refuse(await self._locate(f"nested deeper than {MAX_DEPTH} levels")) from None
        except SerializationException as error:
            if "out of range" not in str(error):
                raise
            raise _refuse(await self._locate("number out of range")) from None
        if first and (fault := value_fault(value)) is not None:
            raise _refuse(fault)
        return value

    async def _locate(self, otherwise: str) -> FieldError:
        """Where in the body the decoder gave up (it does not say where in an untyped value)."""
        return json_fault(await self.body()) or FieldError("body", otherwise)
