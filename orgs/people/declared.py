"""What a member declared about themselves, as the eligibility engine sees it (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Declared:
    """Special-category data a member declared themselves. Only the engine reads it."""

    ethnicity: str | None = None
    disability: bool | None = None
