"""Structs shown from domain objects: one helper, no hand-written copiers.

A response struct (``network/http/*_out.py``, or a result a use case returns such as
``CohortRunOut``) names its fields after the attributes of the object it shows;
``out(Shape, obj)`` reads them (``msgspec.convert(..., from_attributes=True)``). A field the
object has no attribute for is passed by name, so what is derived is written once, at the call,
and every plain field is copied by the same code. Careful: a field with a default takes the
default when the object lacks the attribute.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T", bound=msgspec.Struct)


class _Derived:
    """``obj`` with some attributes added (or replaced), for ``msgspec.convert``."""

    def __init__(self, obj: object, derived: dict[str, Any]) -> None:
        self.__dict__.update(derived)
        self._obj = obj

    def __getattr__(self, name: str) -> Any:
        # Only reached for what ``derived`` does not name.
        return getattr(self._obj, name)


def out(shape: type[T], obj: object, /, **derived: Any) -> T:
    """``obj`` as the response struct ``shape``; ``derived`` gives the fields ``obj`` lacks.

    A domain object that does not fit its response shape is our bug, not the client's: it is
    raised as a ``TypeError`` (a 500), never as a ``msgspec.ValidationError`` that an adapter
    could take for bad input.
    """
    source = _Derived(obj, derived) if derived else obj
    try:
        return msgspec.convert(source, shape, from_attributes=True)
    except msgspec.ValidationError as exc:
        raise TypeError(f"{type(obj).__name__} does not fit {shape.__name__}: {exc}") from exc
