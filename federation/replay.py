"""Replay detection: each (issuer, jti) is accepted once while its token is valid.

Production uses Redis (``SET key 1 NX EXAT until``) behind this protocol, in ``network/``.
Keyed by issuer too, so one peer cannot burn another peer's jtis.
"""

from __future__ import annotations

from typing import Protocol


class ReplayCache(Protocol):
    async def first_seen(self, issuer: str, jti: str, until: int) -> bool:
        """Record (issuer, jti) until ``until`` (epoch seconds); True only the first time."""
        ...


class InMemoryReplayCache:
    """For unit tests only: unbounded, and not shared between processes."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    async def first_seen(self, issuer: str, jti: str, until: int) -> bool:
        if (issuer, jti) in self._seen:
            return False
        self._seen[(issuer, jti)] = until
        return True
