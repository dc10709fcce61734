"""Mentors of other network organisations in a cohort run (issue 18, point 5).

A run with ``include_network`` adds to its mentor pool the cards its org may see of the other
members of its networks: cards of orgs on this node (its own feed) and of orgs on other nodes,
each as the same candidate the suggestions use (``handle@peer``, the card's topics, band, modes
and published free slots: no names cross before acceptance). ``orgs`` never imports
``federation``: the federation side finds the cards and checks them before a request leaves,
and hands them in through :class:`NetworkPool` and :class:`ExternalAsk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec

from matching.constraints import OrgPolicy
from matching.model import MentorProfile


class ExternalMentor(msgspec.Struct, frozen=True):
    """Where an external candidate of a run lives: the card to ask, and its org's name."""

    candidate: str  # the engine's id of the card: ``handle@peer``
    peer: str
    handle: str
    org_name: str


@dataclass(frozen=True)
class PoolEntry:
    profile: MentorProfile
    seats: int  # the card's published free slots, less this org's requests still open to it
    where: ExternalMentor


@dataclass(frozen=True)
class NetworkPool:
    """The cards a run may add: of network members that both sides' policies allow."""

    entries: tuple[PoolEntry, ...]


class ExternalAsk(Protocol):
    """The federation side of publishing a pair with an external mentor."""

    async def problem(self, peer: str, handle: str) -> str | None:
        """Why the card cannot be asked now (expired, or no longer allowed), or None."""

    async def org_name(self, peer: str, handle: str) -> str:
        """The mentor's organisation, as the mentee is shown it."""


def external_label(org_name: str) -> str:
    """What the coordinator sees of an external mentor before acceptance: their organisation."""
    return f"a mentor at {org_name}"


def network_policies(own_org: str, external: Sequence[MentorProfile]) -> dict[str, OrgPolicy]:
    """The engine's org policies for a run: the run's org may pair with the orgs of its external
    candidates, and each of them with it (both consents were checked when the pool was made)."""
    orgs = frozenset(m.org_id for m in external)
    if not orgs:
        return {}
    policies = {own_org: OrgPolicy(cross_org_allowed=True, partner_orgs=orgs)}
    for org in orgs:
        policies[org] = OrgPolicy(cross_org_allowed=True, partner_orgs=frozenset({own_org}))
    return policies
