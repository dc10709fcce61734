"""``/api/v1/orgs/{slug}/…/cohort-runs``: a coordinator's cohort matching runs — run, adjust
(moves and swaps, constraints re-checked), publish as proposals. Coordinators and org admins
only; another org's runs and schemes are 404."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from federation.cohort_pool import CardAsk, network_pool
from federation.relationship_outbox import outbox_sink
from network.http.actor import Actor_
from network.http.dependencies import Db, here_of
from network.http.path_params import Id, Slug
from network.http.problems import API_PROBLEMS
from orgs.db import utcnow
from orgs.errors import NotFound
from orgs.models import Org
from orgs.pairing.cohort_runs import CohortRunOut, CohortRunService, MovesIn, RunIn
from orgs.people.actor import Actor
from orgs.people.permissions import Action, authorize


def _coordinator(slug: str, actor: Actor_) -> Actor:
    who = actor
    authorize(who, Action.RUN_COHORTS)
    return who


class CohortRunsController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("cohort runs",)

    @post(
        "/schemes/{scheme_id:uuid}/cohort-runs",
        summary="Run cohort matching for a scheme (stored as a draft)",
        description=(
            "Matches the scheme's cleared mentee applicants (those offered a place, in a cohort "
            "programme that has offered places) to its cleared mentors with free seats. "
            "`optimal`: the most mentees matched, then the highest total score, exactly; "
            "`stable`: mentee-proposing, no blocking pair. Pinned pairs are placed first and "
            "must pass every hard constraint; forbidden pairs are never made. "
            "`include_network`: also the mentors of the other organisations of the org's "
            "networks that both sharing policies allow (cards, with their published free "
            "slots); 422 naming `include_network` when the org is in no network."
        ),
        responses=API_PROBLEMS,
        status_code=201,
    )
    async def run(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        data: JSONBody[RunIn],
        actor: Actor_,
        db: Db,
    ) -> CohortRunOut:
        who = _coordinator(slug, actor)
        service = CohortRunService(db, who.org_id)
        now = utcnow()
        pool = None
        if data.include_network:
            pool = await network_pool(db, who.org_id, now, here_of(request))
        return await service.view(await service.run(who, scheme_id, data, now, pool))

    @get(
        "/schemes/{scheme_id:uuid}/cohort-runs",
        summary="A scheme's cohort runs, newest first",
        responses=API_PROBLEMS,
    )
    async def list_runs(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db
    ) -> list[CohortRunOut]:
        who = _coordinator(slug, actor)
        service = CohortRunService(db, who.org_id)
        return [await service.view(r) for r in await service.for_scheme(scheme_id)]

    @get("/cohort-runs/{run_id:uuid}", summary="One cohort run", responses=API_PROBLEMS)
    async def get_run(self, slug: Slug, run_id: Id, actor: Actor_, db: Db) -> CohortRunOut:
        who = _coordinator(slug, actor)
        service = CohortRunService(db, who.org_id)
        return await service.view(await service.get(run_id))

    @post(
        "/cohort-runs/{run_id:uuid}/moves",
        summary="Move mentees (to another mentor or the waiting list) or swap two mentees' mentors",
        description=(
            "All moves and the swap apply together; the result must pass every hard constraint "
            "and capacity, or nothing changes (422 naming the pair). A published run: 409."
        ),
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def move(
        self, slug: Slug, run_id: Id, data: JSONBody[MovesIn], actor: Actor_, db: Db
    ) -> CohortRunOut:
        who = _coordinator(slug, actor)
        service = CohortRunService(db, who.org_id)
        return await service.view(await service.move(who, run_id, data))

    @post(
        "/cohort-runs/{run_id:uuid}/publish",
        summary="Publish: each pair becomes a request from the mentee to the mentor",
        description=(
            "Requests are opened on each mentee's behalf; pairs that cannot be proposed (e.g. "
            "the mentee already has a request waiting) are listed in `proposals` with the "
            "problem. A published run cannot change."
        ),
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def publish(
        self, request: Request[Any, Any, Any], slug: Slug, run_id: Id, actor: Actor_, db: Db
    ) -> CohortRunOut:
        who = _coordinator(slug, actor)
        service = CohortRunService(db, who.org_id)
        org = await db.get(Org, who.org_id)
        if org is None:
            raise NotFound("No such organisation.")
        now = utcnow()
        # A pair with a mentor of another organisation (a run with the network's mentors) is an
        # outgoing request through the outbox, as a mentee's own; internal pairs stay local.
        ask = CardAsk(db, org, now, here_of(request))
        run = await service.publish(who, run_id, outbox_sink(db), now, ask)
        return await service.view(run)
