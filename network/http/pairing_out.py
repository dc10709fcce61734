"""Response shapes of pairing: mentor suggestions with their explanations. (A cohort run is
shown as the use case returns it, ``orgs.pairing.cohort_runs.CohortRunOut``: the CLI prints the
same shape.)"""

from __future__ import annotations

from typing import Literal

import msgspec

from matching.taxonomy import TAXONOMY_VERSION
from orgs.pairing.cohort_runs import ExplanationOut  # one shape for a score's parts, everywhere

__all__ = ["CandidateOut", "ExplanationOut", "SuggestionOut", "SuggestionsOut"]


class CandidateOut(msgspec.Struct, frozen=True):
    id: str
    kind: Literal["local", "remote"]
    organisation: str
    node: str | None = None  # the other node's name, for remote candidates
    name: str | None = None  # only for a mentor of the member's own organisation
    job_title: str | None = None


class SuggestionOut(msgspec.Struct, frozen=True):
    candidate: CandidateOut
    score: int
    explanation: list[ExplanationOut]


class SuggestionsOut(msgspec.Struct, frozen=True):
    items: list[SuggestionOut]
    shortfall: str | None
    taxonomy_version: str = TAXONOMY_VERSION
