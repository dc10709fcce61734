"""What an org admin does with networks, and what this node does when a member node tells it
of a change. Both go through ``apply_change`` (``orgs.networks.record``): one rule everywhere.

A change made here is stored as the next version and sent, as ``network.change``, to every
other node holding a copy; an org on this node is told nothing (the record here is its copy).
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from datetime import date
from typing import Annotated, Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.db import utcnow
from orgs.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.relationships import free_capacity
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink
from orgs.models import Org
from orgs.networks.events import Events
from orgs.networks.record import (
    SMALL_NUMBER,
    Accept,
    Amend,
    Change,
    Contact,
    Found,
    Invite,
    Leave,
    NetworkRecord,
    NodeUrl,
    Offer,
    SchemeOffer,
    SetContact,
    SetOffer,
    Slug,
    Standing,
    Terms,
    Text200,
    apply_change,
    record_hash,
)
from orgs.networks.replica import Replica
from orgs.networks.sharing_sync import network_settings, save_network_settings, sync_sharing
from orgs.pairing.candidates import approved_members
from orgs.pairing.requests import RequestService
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberStatus
from orgs.people.permissions import Action, authorize
from orgs.people.profiles import MentorProfileRow, MentorProfiles
from orgs.registry import OrgRegistry
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeRepository

# --- inputs ----------------------------------------------------------------------------------


class NetworkIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: Text200
    purpose: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    agreement: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    review_on: date
    contact: Contact


class InviteIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    org: Slug
    #: The org's node; None: this node.
    node: NodeUrl | None = None
    display_name: Text200


class AcceptIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    agreement_version: Annotated[int, msgspec.Meta(ge=1)]
    contact: Contact


class TermsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: Text200
    purpose: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    agreement: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    review_on: date


class OfferIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    #: Slugs of this org's schemes open to the network.
    schemes: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=60)]], msgspec.Meta(max_length=50)
    ]


class ExcludeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    #: Org refs (``slug`` here, ``slug@https://node``) this org will not be paired with.
    exclude: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=300)]], msgspec.Meta(max_length=100)
    ]


def _terms(data: NetworkIn | TermsIn) -> Terms:
    return Terms(
        name=data.name, purpose=data.purpose, agreement=data.agreement, review_on=data.review_on
    )


def wire_body(record: NetworkRecord, change: Change, author_org: str) -> dict[str, Any]:
    """The fields of ``network.change``: the new version whole, and the change that made it."""
    return {
        "network_id": record.network_id,
        "author_org": author_org,
        "change": msgspec.to_builtins(change),
        "record": msgspec.to_builtins(record),
    }


class Networks:
    """Networks as this node holds them. ``me`` is this node's id."""

    def __init__(self, session: AsyncSession, me: str, remote: RemoteSink) -> None:
        self.session = session
        self.me = me
        self.remote = remote
        self.replica = Replica(session)

    # --- reading ------------------------------------------------------------------------------

    async def _org(self, actor: Actor) -> Org:
        org = await self.session.get(Org, actor.org_id)
        if org is None:
            raise NotFound("No such organisation.")
        return org

    def ref(self, org: Org) -> str:
        return f"{org.slug}@{self.me}"

    async def visible(
        self, actor: Actor, network_id: str, *standings: Standing
    ) -> tuple[Org, NetworkRecord]:
        """The record, if the actor's org is in it (in one of ``standings``); else 404, as for
        a network that does not exist."""
        org = await self._org(actor)
        record = await self.replica.current(network_id)
        entry = record.member(self.ref(org)) if record is not None else None
        if record is None or entry is None or entry.standing not in standings:
            raise NotFound("No such network.")
        return org, record

    async def mine(self, actor: Actor) -> list[NetworkRecord]:
        org = await self._org(actor)
        return [
            r
            for r in await self.replica.all_current()
            if (e := r.member(self.ref(org))) is not None and e.standing is not Standing.LEFT
        ]

    # --- changing -----------------------------------------------------------------------------

    async def _change(
        self, org: Org, record: NetworkRecord | None, change: Change
    ) -> NetworkRecord:
        author = self.ref(org)
        new = apply_change(record, change, author)
        await self.replica.add(new, change, author)
        await self._effects(record, new, change, author)
        nodes = new.nodes() | (record.nodes() if record is not None else set())
        for node in sorted(nodes - {self.me}):
            self.remote(RemoteEvent("network.change", node, wire_body(new, change, org.slug)))
        return new

    async def _effects(
        self, before: NetworkRecord | None, after: NetworkRecord, change: Change, author: str
    ) -> None:
        records = await self.replica.all_current()
        local = {m.org for m in after.members if m.node == self.me}
        registry = OrgRegistry(self.session)
        for slug in sorted(local):
            org = await registry.find(slug)
            if org is not None:
                await sync_sharing(self.session, org, self.me, records)
        await Events(self.session, self.me, self.remote).network_changed(after)
        leaver = after.member(author)
        if isinstance(change, Leave) and leaver is not None and leaver.node == self.me:
            await self._withdraw(before or after, leaver.org)

    async def _withdraw(self, record: NetworkRecord, slug: str) -> None:
        """A member here left: its pending requests with the network's other orgs go."""
        org = await OrgRegistry(self.session).get(slug)
        peers: dict[str, set[str]] = {}
        for m in record.members:
            if m.node != self.me:
                peers.setdefault(m.node, set()).add(m.org)
        if peers:
            await RequestService(self.session, org.id, self.remote).withdraw_across(
                peers, ActorRef.system("left a network"), utcnow()
            )

    async def create(self, actor: Actor, data: NetworkIn) -> NetworkRecord:
        authorize(actor, Action.MANAGE_NETWORKS)
        org = await self._org(actor)
        found = Found(
            network_id=secrets.token_urlsafe(18),
            terms=_terms(data),
            display_name=org.name,
            contact=data.contact,
        )
        return await self._change(org, None, found)

    async def invite(self, actor: Actor, network_id: str, data: InviteIn) -> NetworkRecord:
        authorize(actor, Action.MANAGE_NETWORKS)
        org, record = await self.visible(actor, network_id, Standing.MEMBER)
        node = data.node or self.me
        if node == self.me and await OrgRegistry(self.session).find(data.org) is None:
            raise InvalidInput.on("org", f"no organisation {data.org!r} on this node")
        invite = Invite(org=data.org, node=node, display_name=data.display_name)
        return await self._change(org, record, invite)

    async def accept(self, actor: Actor, network_id: str, data: AcceptIn) -> NetworkRecord:
        authorize(actor, Action.MANAGE_NETWORKS)
        org, record = await self.visible(actor, network_id, Standing.INVITED, Standing.MEMBER)
        accept = Accept(agreement_version=data.agreement_version, contact=data.contact)
        return await self._change(org, record, accept)

    async def amend(self, actor: Actor, network_id: str, data: TermsIn) -> NetworkRecord:
        authorize(actor, Action.MANAGE_NETWORKS)
        org, record = await self.visible(actor, network_id, Standing.MEMBER)
        return await self._change(org, record, Amend(terms=_terms(data)))

    async def set_contact(self, actor: Actor, network_id: str, data: Contact) -> NetworkRecord:
        authorize(actor, Action.MANAGE_NETWORKS)
        org, record = await self.visible(actor, network_id, Standing.MEMBER)
        return await self._change(org, record, SetContact(contact=data))

    async def leave(self, actor: Actor, network_id: str) -> NetworkRecord:
        authorize(actor, Action.MANAGE_NETWORKS)
        org, record = await self.visible(actor, network_id, Standing.INVITED, Standing.MEMBER)
        return await self._change(org, record, Leave())

    async def publish_offer(self, actor: Actor, network_id: str, data: OfferIn) -> NetworkRecord:
        """Open these schemes to the network and publish how many mentors are available in
        them (a count below ``SMALL_NUMBER`` is published as "fewer than 5", never exactly)."""
        authorize(actor, Action.MANAGE_NETWORKS)
        org, record = await self.visible(actor, network_id, Standing.MEMBER)
        schemes = await self._schemes(org, data.schemes)
        count = await available_mentors(self.session, org.id, [s.id for s in schemes])
        offer = Offer(
            schemes=tuple(SchemeOffer(slug=s.slug, name=s.name) for s in schemes),
            mentors_available=count if count >= SMALL_NUMBER else None,
        )
        stored = network_settings(org)
        stored["schemes"] = {**stored["schemes"], network_id: [s.slug for s in schemes]}
        save_network_settings(org, stored)
        return await self._change(org, record, SetOffer(offer=offer))

    async def _schemes(self, org: Org, slugs: list[str]) -> list[Scheme]:
        repository = SchemeRepository(self.session, org.id)
        found = []
        for index, slug in enumerate(slugs):
            scheme = await repository.find_one(Scheme.slug == slug)
            if scheme is None:
                raise InvalidInput.on(f"schemes[{index}]", f"no scheme {slug!r}")
            found.append(scheme)
        return found

    async def exclude(self, actor: Actor, network_id: str, data: ExcludeIn) -> list[str]:
        """Members of this network the org will not be paired with (this node only)."""
        authorize(actor, Action.MANAGE_NETWORKS)
        org, _ = await self.visible(actor, network_id, Standing.MEMBER)
        stored = network_settings(org)
        stored["exclude"] = {**stored["exclude"], network_id: sorted(set(data.exclude))}
        save_network_settings(org, stored)
        await sync_sharing(self.session, org, self.me, await self.replica.all_current())
        excluded: list[str] = stored["exclude"][network_id]
        return excluded

    # --- a member node's change -------------------------------------------------------------

    async def apply_remote(
        self, record: NetworkRecord, change: Change, author: str, signed: str = ""
    ) -> None:
        """Take version ``record.version`` from the node of ``author`` (verified and
        tenancy-checked by the inbox): only as the next version of the copy here, and only if
        the change, re-applied here, gives exactly ``record``."""
        latest = await self.replica.latest(record.network_id)
        if latest is None:
            await self._first_copy(record, change, author, signed)
            return
        current = latest.as_record()
        if record.version <= current.version:
            if record.version == current.version and record.prev == current.prev:
                await self._sibling(current, record, change, author, signed)
            return  # a version already held, or older: nothing to learn
        if record.version > current.version + 1 or record.prev != latest.record_hash:
            raise IllegalTransition(
                f"version {record.version} does not follow version {current.version} here; "
                "send it again once the versions between have arrived"
            )
        await self._take(current, record, change, author, signed)

    async def _take(
        self,
        base: NetworkRecord,
        record: NetworkRecord,
        change: Change,
        author: str,
        signed: str,
    ) -> None:
        expected = apply_change(base, change, author)
        if record_hash(expected) != record_hash(record):
            raise Forbidden("The record sent is not what its change makes of the version here.")
        await self.replica.add(record, change, author, signed)
        await self._effects(base, record, change, author)

    async def _first_copy(
        self, record: NetworkRecord, change: Change, author: str, signed: str
    ) -> None:
        """A network this node has never held: only an invitation of an org here, made by a
        member, brings its record (as the inviter's node signed it)."""
        inviter = record.member(author)
        invited = record.member(f"{change.org}@{self.me}") if isinstance(change, Invite) else None
        if (
            invited is None
            or invited.standing is not Standing.INVITED
            or inviter is None
            or inviter.standing is not Standing.MEMBER
            or await OrgRegistry(self.session).find(invited.org) is None
        ):
            raise NotFound("No such network here.")
        await self.replica.add(record, change, author, signed)
        await self._effects(None, record, change, author)

    async def _sibling(
        self,
        current: NetworkRecord,
        record: NetworkRecord,
        change: Change,
        author: str,
        signed: str,
    ) -> None:
        """Two members changed the same version at once. Every node keeps the version with
        the smaller hash; the node of the other change makes it again on top of it."""
        if record_hash(record) >= record_hash(current):
            return  # ours stays; the other's author will rebase on ours when it arrives
        base_row = await self.replica.history(record.network_id)
        base = next(r.as_record() for r in base_row if r.version == record.version - 1)
        lost = base_row[-1]
        await self.replica.drop(record.network_id, current.version)
        await self._take(base, record, change, author, signed)
        org_slug, _, node = lost.author.partition("@")
        org = await OrgRegistry(self.session).find(org_slug)
        if node == self.me and org is not None:
            lost_change: Change = msgspec.convert(lost.change, Change)
            # No longer allowed on the winning version: the admin sees the record as it is.
            with contextlib.suppress(Forbidden, InvalidInput):
                await self._change(org, record, lost_change)


async def available_mentors(
    session: AsyncSession, org_id: uuid.UUID, scheme_ids: list[uuid.UUID]
) -> int:
    """Mentors approved in these schemes, open to other orgs, not paused, with room."""
    today = utcnow().date()
    approved: set[uuid.UUID] = set()
    for scheme_id in scheme_ids:
        approved |= await approved_members(
            session, org_id, SchemeRole.MENTOR, scheme_id, today=today
        )
    if not approved:
        return 0
    profiles = await MentorProfiles(session, org_id).list(
        MentorProfileRow.member_id.in_(approved), MentorProfileRow.open_to_other_orgs.is_(True)
    )
    count = 0
    for profile in profiles:
        member = await session.get(Member, profile.member_id)
        if member is None or member.status is not MemberStatus.ACTIVE or profile.paused_on(today):
            continue
        count += await free_capacity(session, profile) > 0
    return count
