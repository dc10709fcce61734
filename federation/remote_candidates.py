"""Remote cards as matching candidates, for the members whose org may see them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.peer_registry import PeerRegistry
from federation.remote_cards import RemoteCards, to_candidate
from federation.this_node import ref_of
from federation.trust import normalise_node_id
from matching.constraints import OrgPolicy, PairRules
from matching.model import MenteeProfile, MentorProfile
from orgs.errors import FieldError, InvalidInput
from orgs.models import Org
from orgs.pairing.sharing import SharingPolicy, policy_of


@dataclass(frozen=True)
class RemoteView:
    """All a mentee learns of a remote mentor before acceptance: their org and node, and the
    card's band as the range it was published at (the engine's profile holds its middle)."""

    org_slug: str
    node: str
    node_name: str
    org_name: str
    band: tuple[int, int] = (1, 9)


@dataclass(frozen=True)
class RemotePool:
    mentors: tuple[MentorProfile, ...]
    views: dict[str, RemoteView]

    @cached_property
    def orgs(self) -> frozenset[str]:
        return frozenset(m.org_id for m in self.mentors)


@dataclass(frozen=True)
class RemoteCandidate:
    """A live card from a known peer, before any org's policy is applied."""

    profile: MentorProfile
    org_ref: str
    view: RemoteView
    #: For a card of an org of this node (its own feed): the ids of the orgs here whose
    #: mentees that org's policy allows, so both consents are applied before suggesting. None
    #: for a peer's card: its node applied its org's consent before publishing to this node.
    allows: frozenset[uuid.UUID] | None = None


@dataclass(frozen=True)
class LiveCards:
    candidates: tuple[RemoteCandidate, ...]
    until: datetime | None  # when the first of them expires (None: there are none)


def wants_remote(mentee: MenteeProfile, policy: SharingPolicy) -> bool:
    return mentee.open_to_other_orgs and policy.cross_org


@dataclass(frozen=True)
class _Source:
    """Where a card came from: a peer, or this node's own feed (``here``)."""

    node_name: str
    org_names: dict[str, str]
    allows: dict[str, frozenset[uuid.UUID]] | None = None


async def _sources(session: AsyncSession, here: str | None) -> dict[str, _Source]:
    sources = {
        peer.node_id: _Source(
            peer.name,
            {o["slug"]: str(o.get("display_name") or o["slug"]) for o in peer.hosted_orgs},
        )
        for peer in await PeerRegistry(session).list()
    }
    if here is not None:
        orgs = (await session.scalars(select(Org))).all()
        sources[here] = _Source(
            "this node",
            {org.slug: org.name for org in orgs},
            {
                org.slug: frozenset(
                    o.id for o in orgs if o.id != org.id and policy_of(org).allows(o.slug)
                )
                for org in orgs
            },
        )
    return sources


async def live_cards(session: AsyncSession, now: datetime, here: str | None = None) -> LiveCards:
    """Every live card of every known peer, and of this node's own feed (``here``: the node's
    id), as a candidate: a few queries, plain rows."""
    sources = await _sources(session, here)
    found: list[RemoteCandidate] = []
    until: datetime | None = None
    for row in await RemoteCards(session).live_rows(now):
        source = sources.get(row.peer)
        if source is None:
            continue
        view = RemoteView(
            org_slug=row.org,
            node=row.peer,
            node_name=source.node_name,
            org_name=source.org_names.get(row.org) or row.org,
            band=_band_of(row.card),
        )
        allows = None if source.allows is None else source.allows.get(row.org, frozenset())
        found.append(
            RemoteCandidate(to_candidate(row), ref_of(row.org, row.peer, here), view, allows)
        )
        until = row.expires_at if until is None else min(until, row.expires_at)
    return LiveCards(tuple(found), until)


def _band_of(card: dict[str, object]) -> tuple[int, int]:
    band = card.get("band")
    if isinstance(band, dict):
        return int(band.get("low", 1)), int(band.get("high", 9))
    return (1, 9)


def allowed_pool(
    cards: LiveCards, mentee: MenteeProfile, policy: SharingPolicy, mentee_org: uuid.UUID
) -> RemotePool:
    """The cards of orgs the mentee's org allows, when the mentee is open to other orgs. A
    peer applied its own org's consent before publishing to this node; for a card of an org of
    this node, that org's consent to ``mentee_org`` is checked here (and its own mentors, local
    candidates already, never come back as cards)."""
    if not wants_remote(mentee, policy):
        return RemotePool((), {})
    chosen = [
        c
        for c in cards.candidates
        if policy.allows(c.org_ref) and (c.allows is None or mentee_org in c.allows)
    ]
    return RemotePool(tuple(c.profile for c in chosen), {c.profile.id: c.view for c in chosen})


def with_remote_orgs(rules: PairRules, mentee: MenteeProfile, pool: RemotePool) -> PairRules:
    """Open the engine's org policies to the remote orgs whose cards made it into the pool."""
    remote = pool.orgs
    if not remote:
        return rules
    own = rules.policy_of(mentee.org_id)
    policies = dict(rules.org_policies)
    policies[mentee.org_id] = OrgPolicy(
        cross_org_allowed=True, partner_orgs=(own.partner_orgs or frozenset()) | remote
    )
    for org in remote:
        policies[org] = OrgPolicy(cross_org_allowed=True, partner_orgs=frozenset({mentee.org_id}))
    return dataclasses.replace(rules, org_policies=policies)


async def check_remote_targets(
    session: AsyncSession,
    mentee_org_slug: str,
    policy: SharingPolicy,
    targets: Sequence[tuple[int, str, str]],
    now: datetime,
    here: str | None = None,
) -> None:
    """Before a request leaves: each (rank index, peer, handle) is a live card of an org the
    mentee's org allows. The mentor's node checks its own side again on receipt."""
    errors = []
    for index, peer, handle in targets:
        card = await RemoteCards(session).find(normalise_node_id(peer), handle, now)
        if card is None:
            errors.append(FieldError(f"mentors[{index}].remote", "no such card (or it expired)"))
        elif not policy.allows(ref_of(card.org, card.peer, here)):
            errors.append(
                FieldError(
                    f"mentors[{index}].remote",
                    f"{mentee_org_slug} does not allow pairs with that organisation",
                )
            )
    if errors:
        raise InvalidInput(
            "Some mentors cannot be asked: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            tuple(errors),
        )
