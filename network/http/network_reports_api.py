"""``/api/v1/orgs/{slug}/networks/{id}/figures``: the network's report, as JSON and as CSV
(network coordinators and org admins of a member org; docs/networks.md, "Reports")."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State

from network.federation.wiring import node_id
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.network_reports_out import FiguresOut
from network.http.networks_api import NetworkId
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from network.http.text_responses import text_response
from network.runtime import Runtime
from orgs.records.network_figures import LABELS
from orgs.records.network_reports import HIDDEN_NOTE, report_csv, view_figures
from orgs.structs import out


class NetworkReportsController(Controller):
    path = "/api/v1/orgs/{slug:str}/networks/{network_id:str}"
    tags = ("networks",)

    @get("/figures", summary="Each member's figures (coordinators)", responses=API_PROBLEMS)
    async def figures(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> FiguresOut:
        me = node_id(Runtime.of(state).settings)
        report = await view_figures(db, actor, me, network_id)
        return out(FiguresOut, report, labels=dict(LABELS), hidden_note=HIDDEN_NOTE)

    @get(
        "/figures.csv",
        summary="Each member's figures as CSV (coordinators)",
        responses=API_PROBLEMS,
        media_type="text/csv",
    )
    async def figures_csv(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> Response[str]:
        me = node_id(Runtime.of(state).settings)
        report = await view_figures(db, actor, me, network_id)
        return text_response(report_csv(report), "text/csv", download="network-report.csv")
