"""The coordinator's equality page: a scheme's pipeline by a monitored characteristic, small
numbers hidden, with the programme report downloads. Coordinators and HR directors only (the
same service as the API, so the same refusals and the same audit entry per view)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.params import FromQuery

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.web.pages import PageContext_, render
from orgs.people.equality import Characteristic, monitored
from orgs.people.permissions import Action, authorize
from orgs.records.pipeline import Period, view_pipeline
from orgs.records.programme_reports import HIDDEN, HIDDEN_NOTE
from orgs.schemes.eligibility import SchemeRole


def _label(key: str) -> str:
    return key.replace("outcome_", "outcome: ").replace("_", " ").capitalize()


def _shown(count: int | None) -> str:
    return HIDDEN if count is None else str(count)


class EqualityPages(Controller):
    path = "/orgs/{slug:str}/coordinate"
    include_in_schema = False

    @get("/schemes/{scheme_id:uuid}/equality", name="web:coordinate-equality")
    async def equality(
        self,
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
        characteristic: FromQuery[Characteristic | None] = None,
    ) -> Response[Any]:
        who = viewer.actor
        authorize(who, Action.READ_EQUALITY)
        chosen = await monitored(db, who.org_id)
        if not chosen:
            return render(
                "coordinator/equality.html",
                viewer,
                nav="coordinate",
                title="Who the scheme reached",
                figures=None,
                chosen=[],
                scheme_id=scheme_id,
            )
        figures = await view_pipeline(
            db, who, scheme_id, characteristic or chosen[0], SchemeRole.MENTEE, Period()
        )
        rows = [
            [
                _label(r.category),
                *(HIDDEN if r.counts[c] is None else r.counts[c] for c in figures.columns),
            ]
            for r in figures.rows
        ]
        return render(
            "coordinator/equality.html",
            viewer,
            nav="coordinate",
            title=f"Who the scheme reached: {figures.scheme_name}",
            figures=figures,
            chosen=[(c.value, _label(c.value)) for c in chosen],
            headers=["Category", *(_label(c) for c in figures.columns)],
            rows=rows,
            note=HIDDEN_NOTE,
            scheme_id=scheme_id,
            api=f"/api/v1/orgs/{who.org_slug}/schemes/{scheme_id}/reports",
        )
