"""The network coordinator's dashboard: every member organisation's figures, with charts and
the same numbers in tables, and the CSV the page's table is. Coordinators and org admins of a
member org; any other org gets the 404 page. Nothing on it names a person."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from markupsafe import Markup

from network.federation.wiring import node_id
from network.http.dependencies import Db
from network.http.networks_api import NetworkId
from network.http.path_params import Slug
from network.runtime import Runtime
from network.web import charts
from network.web.pages import PageContext_, render
from orgs.records.network_figures import FIGURES
from orgs.records.network_reports import HIDDEN, HIDDEN_NOTE, FiguresReport, cell_text, view_figures

#: (chart id, title, caption, the two figures paired, their names)
PAIRED = (
    (
        "exchange",
        "The fair exchange: matches given and received",
        "Matches across organisations, by member",
        ("matches_given", "matches_received"),
        ("Given", "Received"),
    ),
    (
        "people",
        "People taking part",
        "Mentors and mentees taking part, by member",
        ("mentors", "mentees"),
        ("Mentors", "Mentees"),
    ),
    (
        "relationships",
        "Relationships active and completed",
        "Relationships, by member",
        ("relationships_active", "relationships_completed"),
        ("Active", "Completed"),
    ),
)
SINGLE = (
    ("meetings", "Meetings held", "meetings_held"),
    ("promotion", "Outcome: promotion", "outcome_promotion"),
    ("new-role", "Outcome: new role", "outcome_new_role"),
    ("became-mentor", "Outcome: became a mentor", "outcome_became_mentor"),
)


def _paired(report: FiguresReport, spec: tuple[Any, ...]) -> dict[str, Any]:
    chart_id, title, caption, (first, second), series = spec
    rows = [
        charts.PairedBar(line.name, line.figures[first], line.figures[second])
        for line in report.lines
    ]
    return {
        "chart": charts.paired_chart(chart_id, title, rows, series, hidden=HIDDEN),
        "caption": caption,
        "headers": ["Organisation", *series],
        "rows": [
            [line.name, cell_text(line.figures[first]), cell_text(line.figures[second])]
            for line in report.lines
        ],
    }


def _single(report: FiguresReport, spec: tuple[str, str, str]) -> dict[str, Any]:
    chart_id, title, key = spec
    bars = [charts.Bar(name, value) for name, value in report.column(key)]
    chart: Markup = charts.bar_chart(chart_id, title, bars, hidden=HIDDEN)
    return {
        "chart": chart,
        "caption": f"{title}, by member",
        "headers": ["Organisation", title],
        "rows": [[name, cell_text(value)] for name, value in report.column(key)],
    }


class NetworkReportPages(Controller):
    path = "/orgs/{slug:str}/networks/{network_id:str}/report"
    include_in_schema = False

    @get("/", name="web:network-report")
    async def dashboard(
        self, slug: Slug, network_id: NetworkId, viewer: PageContext_, db: Db, state: State
    ) -> Response[Any]:
        me = node_id(Runtime.of(state).settings)
        report = await view_figures(db, viewer.actor, me, network_id)
        sections = [_paired(report, spec) for spec in PAIRED]
        sections += [_single(report, spec) for spec in SINGLE]
        return render(
            "network_report.html",
            viewer,
            title=f"{report.name}: report",
            report=report,
            sections=sections,
            figures=FIGURES,
            cell=cell_text,
            note=HIDDEN_NOTE,
            csv=f"/api/v1/orgs/{slug}/networks/{network_id}/figures.csv",
        )
