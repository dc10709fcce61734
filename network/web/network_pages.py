"""The pages of a network for the people of its member organisations: the networks their org
is in, and each network's directory (who takes part, their contacts, what each offers). The
same service as the API; an org outside the network gets the 404 page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State

from federation.event_handlers import events
from federation.network_handlers import networks
from network.federation.wiring import node_id
from network.http.dependencies import Db
from network.http.networks_api import NetworkId
from network.http.path_params import Slug
from network.runtime import Runtime
from network.web.pages import PageContext_, render
from orgs.networks.directory import directory
from orgs.networks.record import Standing


class NetworkPages(Controller):
    path = "/orgs/{slug:str}/networks"
    include_in_schema = False

    @get("/", name="web:networks")
    async def mine(self, slug: Slug, viewer: PageContext_, db: Db, state: State) -> Response[Any]:
        service = networks(db, node_id(Runtime.of(state).settings))
        records = await service.mine(viewer.actor)
        return render("networks.html", viewer, title="Networks", records=records)

    @get("/{network_id:str}", name="web:network-directory")
    async def directory(
        self, slug: Slug, network_id: NetworkId, viewer: PageContext_, db: Db, state: State
    ) -> Response[Any]:
        service = networks(db, node_id(Runtime.of(state).settings))
        _, record = await service.visible(viewer.actor, network_id, Standing.MEMBER)
        shown = directory(record)
        upcoming = await events(db, service.me).upcoming(viewer.actor, network_id)
        return render(
            "network_directory.html", viewer, title=shown.name, directory=shown, events=upcoming
        )
