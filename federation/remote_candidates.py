"""Remote cards as matching candidates, for the members whose org may see them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.peer_registry import PeerRegistry
from federation.remote_cards import RemoteCards, to_candidate
from federation.trust import normalise_node_id
from matching.constraints import OrgPolicy, PairRules
from matching.model import MenteeProfile, MentorProfile
from orgs.errors import FieldError, InvalidInput
from orgs.pairing.sharing import SharingPolicy, org_ref


@dataclass(frozen=True)
class RemoteView:
    """All a mentee learns of a remote mentor before acceptance: their org and node."""

    org_slug: str
    node: str
    node_name: str
    org_name: str


@dataclass(frozen=True)
class RemotePool:
    mentors: tuple[MentorProfile, ...]
    views: dict[str, RemoteView]


async def remote_pool(
    session: AsyncSession, mentee: MenteeProfile, policy: SharingPolicy, now: datetime
) -> RemotePool:
    """Live cards of orgs the mentee's org allows, when the mentee is open to other orgs.
    The producer applied its own org's consent before publishing to this node."""
    if not mentee.open_to_other_orgs or not policy.cross_org:
        return RemotePool((), {})
    peers = {peer.node_id: peer for peer in await PeerRegistry(session).list()}
    mentors: list[MentorProfile] = []
    views: dict[str, RemoteView] = {}
    for row in await RemoteCards(session).live(now):
        peer = peers.get(row.peer)
        if peer is None or not policy.allows(org_ref(row.org, row.peer)):
            continue
        mentors.append(to_candidate(row))
        org_names = {o.get("slug"): o.get("display_name", "") for o in peer.hosted_orgs}
        views[row.candidate_id] = RemoteView(
            org_slug=row.org,
            node=row.peer,
            node_name=peer.name,
            org_name=str(org_names.get(row.org) or row.org),
        )
    return RemotePool(tuple(mentors), views)


def with_remote_orgs(rules: PairRules, mentee: MenteeProfile, pool: RemotePool) -> PairRules:
    """Open the engine's org policies to the remote orgs whose cards made it into the pool."""
    remote = {m.org_id for m in pool.mentors}
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
) -> None:
    """Before a request leaves: each (rank index, peer, handle) is a live card of an org the
    mentee's org allows. The mentor's node checks its own side again on receipt."""
    errors = []
    for index, peer, handle in targets:
        card = await RemoteCards(session).find(normalise_node_id(peer), handle, now)
        if card is None:
            errors.append(FieldError(f"mentors[{index}].remote", "no such card (or it expired)"))
        elif not policy.allows(org_ref(card.org, card.peer)):
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
