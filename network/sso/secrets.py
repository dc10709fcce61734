"""Resolving an org's client-secret reference to the secret itself, at sign-in time.

This is the one deliberate exception to "only ``network.config`` reads the environment":
secrets are per org, added while the node runs (``mentornet org sso set``), and must never be
stored in the database, so they cannot be part of the settings read once at start-up. The
database holds only a reference — ``env:NAME`` or ``file:/absolute/path`` (e.g. a Docker or
Kubernetes secret mount) — and this function is the only place that follows one. Keep it small.
"""

from __future__ import annotations

import os
from pathlib import Path

from orgs.errors import Unavailable


class SecretUnavailable(Unavailable):
    code = "sso-misconfigured"
    title = "Sign-in is not set up correctly"


def resolve_secret(reference: str) -> str:
    """The secret named by ``reference``; ``SecretUnavailable`` (safe to show) if absent."""
    kind, _, name = reference.partition(":")
    value: str | None = None
    if kind == "env":
        value = os.environ.get(name)
    elif kind == "file":
        try:
            value = Path(name).read_text(encoding="utf-8")
        except OSError:
            value = None
    if value is None or not value.strip():
        raise SecretUnavailable(
            "This organisation's sign-in is not set up correctly (its client secret is "
            "missing). Please tell your organisation's MentorNet admin."
        )
    return value.strip()
