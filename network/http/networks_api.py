"""``/api/v1/orgs/{slug}/networks``: networks of organisations across nodes (docs/networks.md).

An org admin founds, joins, changes and leaves; the people of a member org read the directory;
network coordinators read the reports. Every change is one version of the record, sent to the
other member nodes through the outbox in the same transaction.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from federation.network_handlers import check_invitee, networks
from network.federation.wiring import node_id
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from network.runtime import Runtime
from orgs.networks.directory import Directory, NetworkReport, directory, report
from orgs.networks.record import Contact, NetworkRecord, Standing
from orgs.networks.replica import Replica
from orgs.networks.service import (
    AcceptIn,
    ExcludeIn,
    InviteIn,
    NetworkIn,
    Networks,
    OfferIn,
    TermsIn,
)
from orgs.people.permissions import Action, authorize

#: A network's id, as its founding node chose it (random, base64url).
NetworkId = FromPath[str]


class VersionOut(msgspec.Struct, frozen=True):
    version: int
    author: str
    op: str
    record_hash: str
    #: The version came from its author's node with that node's signature, kept here.
    signed_by_author_node: bool


def _networks(state: State, db: Db) -> Networks:
    return networks(db, node_id(Runtime.of(state).settings))


class NetworksController(Controller):
    path = "/api/v1/orgs/{slug:str}/networks"
    tags = ("networks",)

    @get("/", summary="The networks the org is in or invited to", responses=API_PROBLEMS)
    async def mine(self, slug: Slug, actor: Actor_, db: Db, state: State) -> list[NetworkRecord]:
        return await _networks(state, db).mine(actor)

    @post("/", summary="Found a network (org admins)", responses=API_PROBLEMS)
    async def create(
        self, slug: Slug, actor: Actor_, db: Db, state: State, data: JSONBody[NetworkIn]
    ) -> NetworkRecord:
        return await _networks(state, db).create(actor, data)

    @get(
        "/reports",
        summary="The reports of the org's networks (coordinators)",
        responses=API_PROBLEMS,
    )
    async def reports(self, slug: Slug, actor: Actor_, db: Db, state: State) -> list[NetworkReport]:
        authorize(actor, Action.READ_NETWORK_REPORTS)
        return [report(r) for r in await _networks(state, db).mine(actor)]

    @get(
        "/{network_id:str}",
        summary="A network's record as this node holds it",
        responses=API_PROBLEMS,
    )
    async def show(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> NetworkRecord:
        _, record = await _networks(state, db).visible(
            actor, network_id, Standing.INVITED, Standing.MEMBER
        )
        return record

    @get("/{network_id:str}/history", summary="Every version held here", responses=API_PROBLEMS)
    async def history(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> list[VersionOut]:
        await _networks(state, db).visible(actor, network_id, Standing.INVITED, Standing.MEMBER)
        return [
            VersionOut(
                version=row.version,
                author=row.author,
                op=str(row.change.get("op", "")),
                record_hash=row.record_hash,
                signed_by_author_node=bool(row.signed),
            )
            for row in await Replica(db).history(network_id)
        ]

    @get(
        "/{network_id:str}/directory",
        summary="Who takes part and what each offers",
        responses=API_PROBLEMS,
    )
    async def directory(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> Directory:
        _, record = await _networks(state, db).visible(actor, network_id, Standing.MEMBER)
        return directory(record)

    @post("/{network_id:str}/invitations", summary="Invite an organisation", responses=API_PROBLEMS)
    async def invite(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[InviteIn],
    ) -> NetworkRecord:
        service = _networks(state, db)
        authorize(actor, Action.MANAGE_NETWORKS)
        await check_invitee(db, service.me, data.node, data.org)
        return await service.invite(actor, network_id, data)

    @post(
        "/{network_id:str}/acceptance",
        summary="Accept the agreement's current version",
        responses=API_PROBLEMS,
    )
    async def accept(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[AcceptIn],
    ) -> NetworkRecord:
        return await _networks(state, db).accept(actor, network_id, data)

    @put(
        "/{network_id:str}/terms",
        summary="New terms: a new agreement version",
        responses=API_PROBLEMS,
    )
    async def amend(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[TermsIn],
    ) -> NetworkRecord:
        return await _networks(state, db).amend(actor, network_id, data)

    @put("/{network_id:str}/contact", summary="The org's named contact", responses=API_PROBLEMS)
    async def contact(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[Contact],
    ) -> NetworkRecord:
        return await _networks(state, db).set_contact(actor, network_id, data)

    @put("/{network_id:str}/offer", summary="Open schemes to the network", responses=API_PROBLEMS)
    async def offer(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[OfferIn],
    ) -> NetworkRecord:
        return await _networks(state, db).publish_offer(actor, network_id, data)

    @put(
        "/{network_id:str}/exclusions",
        summary="Members the org will not be paired with",
        responses=API_PROBLEMS,
    )
    async def exclusions(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[ExcludeIn],
    ) -> list[str]:
        return await _networks(state, db).exclude(actor, network_id, data)

    @post(
        "/{network_id:str}/leave",
        summary="Leave the network (or decline the invitation)",
        responses=API_PROBLEMS,
    )
    async def leave(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> NetworkRecord:
        return await _networks(state, db).leave(actor, network_id)
