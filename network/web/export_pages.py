"""Downloads behind links (issue 17.5): the exports the API has, linked from a page so that a
signed-in person downloads them with their session (no API token). The links go to the API's
own routes, which check the permission table again; the page shows only the ones the viewer
may take: their own record for everyone, the HR export for staff, a scheme's programme report
for its coordinators and HR directors, evaluation results for coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Response, get

from network.http.dependencies import Db
from network.http.path_params import Slug
from network.web.pages import PageContext_, render
from orgs.people.permissions import Action, may
from orgs.schemes.schemes import SchemeService


@dataclass(frozen=True)
class Download:
    text: str
    href: str
    hint: str = ""


@dataclass(frozen=True)
class SchemeDownloads:
    name: str
    links: list[Download]


class ExportPages(Controller):
    path = "/orgs/{slug:str}/exports"
    include_in_schema = False

    @get("/", name="web:exports")
    async def exports(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        who = viewer.actor
        api = f"/api/v1/orgs/{viewer.slug}"
        own = [
            Download("Your mentoring record (CSV)", "/api/v1/me/mentoring-record.csv"),
            Download("Your mentoring record (JSON)", "/api/v1/me/mentoring-record.json"),
        ]
        org: list[Download] = []
        if may(who, Action.EXPORT_HR):
            org.append(
                Download(
                    "HR export of mentoring (CSV)",
                    f"{api}/hr-export.csv",
                    "Completed relationships and hours, for the HR system.",
                )
            )
        schemes: list[SchemeDownloads] = []
        reports, results = may(who, Action.READ_EQUALITY), may(who, Action.COORDINATE)
        if reports or results:
            for scheme in await SchemeService(db, who.org_id).list():
                s = f"{api}/schemes/{scheme.id}"
                links = []
                if reports:
                    links += [
                        Download("Programme report (accessible PDF)", f"{s}/reports/programme.pdf"),
                        Download("Programme report figures (CSV)", f"{s}/reports/programme.csv"),
                    ]
                if results:
                    links.append(Download("Evaluation results (JSON)", f"{s}/evaluation-results"))
                schemes.append(SchemeDownloads(scheme.name, links))
        return render(
            "exports.html",
            viewer,
            nav="exports",
            title="Downloads",
            own=own,
            org=org,
            schemes=schemes,
        )
