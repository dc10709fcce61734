"""The federation side of a cohort run with the network's mentors (issue 18, point 5).

:func:`network_pool` finds the cards a run may add: the live cards (of this node's own feed and
of peers, ``remote_candidates.live_cards``) of the orgs that are members in good standing of a
network the run's org is in good standing in, less those it excluded
(``orgs.networks.sharing_sync.partners_from``), that the org's sharing policy allows and, for a
card of an org of this node, whose org allows the run's org: the same two consents a mentee's
suggestions apply. :class:`CardAsk` checks a card again when the run is published, as
``federation.asking.ask_mentors`` does for a mentee's own request.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.org_names import org_display_name
from federation.remote_candidates import check_remote_targets, live_cards
from federation.remote_cards import RemoteCard, RemoteCards
from federation.trust import normalise_node_id
from orgs.errors import InvalidInput, NotFound
from orgs.mentoring.relationship_states import RequestState
from orgs.models import Org
from orgs.networks.replica import Replica
from orgs.networks.sharing_sync import partners_from
from orgs.pairing.cohort_external import ExternalMentor, NetworkPool, PoolEntry
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.pairing.sharing import policy_of

NO_NETWORK = "this organisation is in no network (as a member that accepted its agreement)"


async def network_pool(
    session: AsyncSession, org_id: uuid.UUID, now: datetime, here: str
) -> NetworkPool:
    """The cards of the org's network partners it may pair with, each with its published free
    slots less the seats this org took on it that the card cannot show yet (``_open_requests``)."""
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    records = await Replica(session).all_current()
    own = f"{org.slug}@{here}"
    if not any(own in {m.ref for m in r.in_good_standing()} for r in records):
        raise InvalidInput.on("include_network", NO_NETWORK)
    partners = partners_from(org, here, records)
    policy = policy_of(org)
    cards = await live_cards(session, now, here)
    chosen = [
        c
        for c in cards.candidates
        if c.org_ref in partners
        and policy.allows(c.org_ref)
        and (c.allows is None or org.id in c.allows)
    ]
    open_to = await _open_requests(session, org.id)
    entries = []
    for c in chosen:
        handle, _, peer = c.profile.id.partition("@")
        seats = c.profile.seats - open_to.get((normalise_node_id(peer), handle), 0)
        entries.append(
            PoolEntry(
                c.profile,
                max(0, seats),
                ExternalMentor(
                    candidate=c.profile.id, peer=peer, handle=handle, org_name=c.view.org_name
                ),
            )
        )
    return NetworkPool(tuple(entries))


async def _open_requests(session: AsyncSession, org_id: uuid.UUID) -> dict[tuple[str, str], int]:
    """Seats this org already took on each card that the card cannot show yet: its outgoing
    requests still waiting for an answer, and those accepted since the card was received (the
    card's free slots were counted before them)."""
    rows = await session.execute(
        select(MentoringRequest.remote_peer, MentoringRequest.remote_handle, func.count())
        .join(
            RemoteCard,
            (RemoteCard.peer == MentoringRequest.remote_peer)
            & (RemoteCard.handle == MentoringRequest.remote_handle),
        )
        .where(
            MentoringRequest.org_id == org_id,
            MentoringRequest.direction == Direction.OUTGOING,
            or_(
                MentoringRequest.state == RequestState.OPEN,
                (MentoringRequest.state == RequestState.ACCEPTED)
                & (MentoringRequest.answered_at >= RemoteCard.received_at),
            ),
        )
        .group_by(MentoringRequest.remote_peer, MentoringRequest.remote_handle)
    )
    return {(normalise_node_id(p or ""), h or ""): n for p, h, n in rows}


class CardAsk:
    """Checks a card before a published pair's request leaves, and names its org."""

    def __init__(self, session: AsyncSession, org: Org, now: datetime, here: str) -> None:
        self.session = session
        self.org = org
        self.now = now
        self.here = here

    async def problem(self, peer: str, handle: str) -> str | None:
        try:
            await check_remote_targets(
                self.session,
                self.org.slug,
                policy_of(self.org),
                [(0, peer, handle)],
                self.now,
                self.here,
            )
        except InvalidInput as exc:
            return "; ".join(e.message for e in exc.errors) or exc.detail
        return None

    async def org_name(self, peer: str, handle: str) -> str:
        card = await RemoteCards(self.session).find(normalise_node_id(peer), handle, self.now)
        if card is None:
            return ""
        return await org_display_name(self.session, card.peer, card.org)
