"""A coordinator's pages: schemes and cohorts, a scheme's applicants and shortlist, cohort
matching runs (pairs with "why this match", the waiting list, moves, publishing), relationship
health and evaluation results, with charts. Coordinators and org admins only; another org's
schemes and runs are 404 (the services look them up within the viewer's org)."""

from __future__ import annotations

import calendar
import uuid
from collections import Counter
from typing import Any

from litestar import Controller, Request, Response, get, post

from federation.cohort_pool import CardAsk, network_pool
from federation.relationship_outbox import outbox_sink
from matching.taxonomy import is_known, label_of
from network.http.dependencies import Db, here_of
from network.http.path_params import Id, Slug
from network.http.schemes_out import ApplicationOut, application_out
from network.web import charts
from network.web.pages import (
    Errors,
    PageContext,
    PageContext_,
    decode,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
    uuid_or_none,
    values_of,
)
from orgs.db import utcnow
from orgs.errors import DomainError
from orgs.mentoring import evaluations
from orgs.mentoring.oversight import scheme_health
from orgs.mentoring.relationship_states import EndKind, RelationshipState
from orgs.mentoring.relationships import LIVE, Relationship, Relationships
from orgs.models import Org
from orgs.pairing.cohort_runs import CohortRunOut, CohortRunService, MoveIn, MovesIn, RunIn
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository
from orgs.people.permissions import Action, authorize
from orgs.people.profiles import MenteeProfileRow, MenteeProfiles, MentorProfileRow, MentorProfiles
from orgs.schemes.applications import ACCEPTED, ApplicationService, Placement
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeForm, SchemeService

COMPLETED = (EndKind.COMPLETED, EndKind.AUTO_CLOSED)
RUN_LABELS = {
    "mode": "Matching mode",
    "min_score": "Minimum score",
    "include_network": "The network's mentors",
}
WAITING_LIST = "waiting"


def coordinator(viewer: PageContext, action: Action) -> Actor:
    """The viewer, if the permission table lets them ``action``; else the 403 page."""
    who = viewer.actor
    authorize(who, action)
    return who


async def _names(db: Db, org_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    members = await MemberRepository(db, org_id).list(Member.id.in_(ids))
    return {m.id: m.display_name for m in members}


async def _applicants(db: Db, who: Actor, scheme: Scheme) -> list[ApplicationOut]:
    service = ApplicationService(db, who.org_id)
    return [await application_out(service, a) for a in await service.for_scheme(who, scheme)]


def funnel_counts(apps: list[ApplicationOut], rels: list[Relationship]) -> list[int]:
    """Mentees: applied → eligible → approved → matched → active → completed."""
    mentees = [a for a in apps if a.role is SchemeRole.MENTEE]
    return [
        len(mentees),
        sum(1 for a in mentees if a.eligible),
        sum(1 for a in mentees if a.state in ACCEPTED),
        len(rels),
        sum(1 for r in rels if r.state in LIVE),
        sum(1 for r in rels if r.state is RelationshipState.ENDED and r.end_kind in COMPLETED),
    ]


async def supply_and_demand(
    db: Db, org_id: uuid.UUID, apps: list[ApplicationOut]
) -> list[tuple[str, int, int]]:
    """Per topic: cleared mentors offering it, cleared mentees wanting it (most wanted first)."""
    cleared = [a for a in apps if a.state in ACCEPTED]
    mentor_ids = [a.member_id for a in cleared if a.role is SchemeRole.MENTOR]
    mentee_ids = [a.member_id for a in cleared if a.role is SchemeRole.MENTEE]
    offers: Counter[str] = Counter()
    wants: Counter[str] = Counter()
    if mentor_ids:
        for row in await MentorProfiles(db, org_id).list(
            MentorProfileRow.member_id.in_(mentor_ids)
        ):
            offers.update(row.topics)
    if mentee_ids:
        for m in await MenteeProfiles(db, org_id).list(MenteeProfileRow.member_id.in_(mentee_ids)):
            wants.update(m.topics)
    topics = sorted(set(offers) | set(wants), key=lambda t: (-wants[t], -offers[t], t))
    return [(label_of(t) if is_known(t) else t, offers[t], wants[t]) for t in topics]


class CoordinatorPages(Controller):
    path = "/orgs/{slug:str}/coordinate"
    include_in_schema = False

    @get("/", name="web:coordinate")
    async def schemes(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        who = coordinator(viewer, Action.COORDINATE)
        schemes = await SchemeService(db, who.org_id).list()
        runs = CohortRunService(db, who.org_id)
        rows = [(s, len(await runs.for_scheme(s.id))) for s in schemes]
        return render(
            "coordinator/schemes.html",
            viewer,
            nav="coordinate",
            title="Schemes and cohorts",
            rows=rows,
        )

    async def _scheme_page(
        self,
        viewer: PageContext,
        db: Db,
        scheme_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.COORDINATE)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        apps = await _applicants(db, who, scheme)
        names = await _names(db, who.org_id, {a.member_id for a in apps})
        rels = list(await Relationships(db, who.org_id).list(Relationship.scheme_id == scheme.id))
        runs = await CohortRunService(db, who.org_id).for_scheme(scheme.id)
        counts = funnel_counts(apps, rels)
        topics = await supply_and_demand(db, who.org_id, apps)
        return render(
            "coordinator/scheme.html",
            viewer,
            nav="coordinate",
            title=scheme.name,
            scheme=scheme,
            cohort=scheme.form is SchemeForm.COHORT,
            apps=apps,
            names=names,
            cleared_mentees=[
                a for a in apps if a.role is SchemeRole.MENTEE and a.state in ACCEPTED
            ],
            offered=Placement.OFFERED,
            runs=runs,
            funnel=charts.pipeline_funnel("funnel", counts),
            funnel_rows=[
                (step, charts.table_text(n))
                for step, n in zip(charts.FUNNEL_STEPS, counts, strict=True)
            ],
            topics_chart=charts.supply_and_demand("topics", topics) if topics else None,
            topics=[(t, charts.table_text(o), charts.table_text(w)) for t, o, w in topics],
            errors=errors,
            values=values or {"mode": "optimal", "min_score": "0"},
        )

    @get("/schemes/{scheme_id:uuid}", name="web:coordinate-scheme")
    async def scheme(
        self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._scheme_page(viewer, db, scheme_id)

    @get("/applications/{application_id:uuid}", name="web:coordinate-application")
    async def application(
        self, slug: Slug, application_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        """One applicant's application, opened from the applicants and the shortlist."""
        who = coordinator(viewer, Action.COORDINATE)
        service = ApplicationService(db, who.org_id)
        app = await application_out(service, await service.get(who, application_id))
        scheme = await SchemeService(db, who.org_id).get(app.scheme_id)
        names = await _names(db, who.org_id, {app.member_id})
        name = names.get(app.member_id, "A former member")
        return render(
            "coordinator/application.html",
            viewer,
            nav="coordinate",
            title=f"{name}, as a {app.role.value}",
            app=app,
            scheme=scheme,
            errors=None,
        )

    @post("/applications/{application_id:uuid}/promote", name="web:coordinate-promote")
    async def promote(
        self, slug: Slug, application_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        """Offer a place to someone on the waiting list: the shortlist as it is, plus them."""
        who = coordinator(viewer, Action.SHORTLIST)
        service = ApplicationService(db, who.org_id)
        app = await service.get(who, application_id)
        scheme = await SchemeService(db, who.org_id).get(app.scheme_id)
        offered = [
            a.id
            for a in await service.for_scheme(who, scheme, app.role)
            if a.placement is Placement.OFFERED and a.id != app.id
        ]
        errors = Errors()
        places = scheme.places(app.role) or 0
        if len(offered) >= places:  # said plainly; the service would refuse it too
            errors.summary = (
                f"All {places} {app.role.value} places are offered. Take someone off the "
                "shortlist on the scheme page first."
            )
        else:
            try:
                async with db.begin_nested():
                    await service.shortlist(who, scheme, app.role, [*offered, app.id])
            except DomainError as exc:
                domain_errors(exc, errors, ())
        if errors:
            out_app = await application_out(service, app)
            names = await _names(db, who.org_id, {app.member_id})
            return render(
                "coordinator/application.html",
                viewer,
                nav="coordinate",
                title=f"{names.get(app.member_id, 'A former member')}, as a {app.role.value}",
                app=out_app,
                scheme=scheme,
                errors=errors,
                status=409,
            )
        return see_other(f"{viewer.base}/coordinate/applications/{application_id}?done=promoted")

    @post("/schemes/{scheme_id:uuid}/shortlist", name="web:coordinate-shortlist")
    async def shortlist(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.SHORTLIST)
        form = await read_form(request)
        errors = Errors()
        chosen = [uuid_or_none(v) for v in form.get("application_ids", [])]
        ids = [c for c in chosen if c is not None]
        service = ApplicationService(db, who.org_id)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        try:
            async with db.begin_nested():
                await service.shortlist(who, scheme, SchemeRole.MENTEE, ids)
        except DomainError as exc:
            domain_errors(exc, errors, ("application_ids",))
            return await self._scheme_page(viewer, db, scheme_id, errors, values_of(form))
        return see_other(f"{viewer.base}/coordinate/schemes/{scheme_id}?shortlisted=1")

    @post("/schemes/{scheme_id:uuid}/runs", name="web:coordinate-run")
    async def run(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.RUN_COHORTS)
        form = await read_form(request)
        errors = Errors()
        mode = one(form, "mode")
        if mode not in ("optimal", "stable"):
            errors.add("mode", "Choose optimal or stable matching")
        data = None
        if not errors:
            data = decode(
                RunIn,
                {
                    "mode": mode,
                    "min_score": one(form, "min_score", "0") or "0",
                    "include_network": one(form, "include_network") == "yes",
                },
                errors,
                RUN_LABELS,
            )
            if data is None and errors.fields.get("min_score", "").endswith("`"):
                errors.fields["min_score"] = "Minimum score: enter a whole number from 0 to 100"
        if data is not None:
            service = CohortRunService(db, who.org_id)
            now = utcnow()
            try:
                async with db.begin_nested():
                    pool = None
                    if data.include_network:
                        pool = await network_pool(db, who.org_id, now, here_of(request))
                    run = await service.run(who, scheme_id, data, now, pool)
            except DomainError as exc:
                domain_errors(exc, errors, RUN_LABELS)
            else:
                return see_other(f"{viewer.base}/coordinate/runs/{run.id}")
        return await self._scheme_page(viewer, db, scheme_id, errors, values_of(form))

    # --- a run --------------------------------------------------------------------------------

    async def _run_page(
        self,
        viewer: PageContext,
        db: Db,
        run_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.RUN_COHORTS)
        service = CohortRunService(db, who.org_id)
        run: CohortRunOut = await service.view(await service.get(run_id))
        scheme = await SchemeService(db, who.org_id).get(run.scheme_id)
        mentors = await _mentors(db, who, scheme)
        return render(
            "coordinator/run.html",
            viewer,
            nav="coordinate",
            title=f"Matching run for {scheme.name}",
            scheme=scheme,
            run=run,
            draft=run.state.value == "draft",
            mentees=[(p.mentee, p.mentee_name) for p in run.pairs]
            + [(w.mentee, w.mentee_name) for w in run.waiting],
            mentors=mentors,
            waiting_list=WAITING_LIST,
            errors=errors,
            values=values or {},
        )

    @get("/runs/{run_id:uuid}", name="web:coordinate-run-view")
    async def run_view(self, slug: Slug, run_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._run_page(viewer, db, run_id)

    @post("/runs/{run_id:uuid}/moves", name="web:coordinate-move")
    async def move(
        self, request: Request[Any, Any, Any], slug: Slug, run_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = coordinator(viewer, Action.RUN_COHORTS)
        form = await read_form(request)
        errors = Errors()
        mentee = uuid_or_none(one(form, "mentee"))
        target = one(form, "mentor")
        mentor = None if target == WAITING_LIST else uuid_or_none(target)
        if mentee is None:
            errors.add("mentee", "Choose the mentee to move")
        if target != WAITING_LIST and mentor is None:
            errors.add("mentor", "Choose a mentor or the waiting list")
        if mentee is not None and not errors:
            service = CohortRunService(db, who.org_id)
            try:
                async with db.begin_nested():
                    await service.move(who, run_id, MovesIn(moves=[MoveIn(mentee, mentor)]))
            except DomainError as exc:
                people = {mentee} | ({mentor} if mentor else set())
                names = {str(k): v for k, v in (await _names(db, who.org_id, people)).items()}
                domain_errors(exc, errors, ("mentee", "mentor"), names=names)
            else:
                return see_other(f"{viewer.base}/coordinate/runs/{run_id}?done=moved")
        return await self._run_page(viewer, db, run_id, errors, values_of(form))

    @get("/runs/{run_id:uuid}/publish", name="web:coordinate-publish-check")
    async def publish_check(
        self, slug: Slug, run_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        """Check the pairs before publishing: publishing sends every request at once."""
        who = coordinator(viewer, Action.RUN_COHORTS)
        service = CohortRunService(db, who.org_id)
        run: CohortRunOut = await service.view(await service.get(run_id))
        if run.state.value != "draft":
            return see_other(f"{viewer.base}/coordinate/runs/{run_id}")
        scheme = await SchemeService(db, who.org_id).get(run.scheme_id)
        waiting = len(run.waiting) + len(run.skipped)
        return render(
            "check.html",
            viewer,
            nav="coordinate",
            title="Check the pairs before publishing them",
            caption=f"Matching run for {scheme.name}",
            rows=[
                ("Pairs", str(len(run.pairs))),
                ("Mentees left on the waiting list", str(waiting)),
            ],
            items=[
                f"{p.mentee_name} with {p.mentor_name} ({p.score} out of 100)" for p in run.pairs
            ],
            hidden={},
            action=f"{viewer.base}/coordinate/runs/{run_id}/publish",
            confirm="Publish the pairs",
            change="",
            warning="Publishing cannot be undone: each mentee's request goes to their mentor "
            "now, and this run can no longer change.",
            danger=False,
            back=f"{viewer.base}/coordinate/runs/{run_id}",
            back_text="Go back to the run without publishing",
        )

    @post("/runs/{run_id:uuid}/publish", name="web:coordinate-publish")
    async def publish(
        self, request: Request[Any, Any, Any], slug: Slug, run_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = coordinator(viewer, Action.RUN_COHORTS)
        if one(await read_form(request), "action") != "confirm":  # not from the check page
            return see_other(f"{viewer.base}/coordinate/runs/{run_id}/publish")
        errors = Errors()
        service = CohortRunService(db, who.org_id)
        org = await db.get(Org, who.org_id)
        assert org is not None  # the viewer's own organisation
        now = utcnow()
        try:
            async with db.begin_nested():
                # A pair with a mentor of another network organisation is a request to their
                # card through the outbox, as from the API; internal pairs stay local.
                ask = CardAsk(db, org, now, here_of(request))
                await service.publish(who, run_id, outbox_sink(db), now, ask)
        except DomainError as exc:
            domain_errors(exc, errors, ())
            return await self._run_page(viewer, db, run_id, errors)
        return see_other(f"{viewer.base}/coordinate/runs/{run_id}?done=published")

    # --- oversight ----------------------------------------------------------------------------

    @get("/schemes/{scheme_id:uuid}/health", name="web:coordinate-health")
    async def health(
        self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = coordinator(viewer, Action.COORDINATE)
        found = await scheme_health(db, who.org_id, scheme_id, utcnow())
        scheme, rows, cross = found.scheme, found.rows, found.cross_org
        per_month = [(_month(k), n) for k, n in found.held_by_month]
        used, budget = found.hours_used, found.hours_budget
        return render(
            "coordinator/health.html",
            viewer,
            nav="coordinate",
            title=f"Relationship health: {scheme.name}",
            scheme=scheme,
            rows=rows,
            share=charts.cross_org_share("share", len(rows) - cross, cross),
            share_rows=[
                ("Within our organisation", charts.table_text(len(rows) - cross)),
                ("With other organisations", charts.table_text(cross)),
            ],
            activity=charts.meeting_activity("activity", per_month) if per_month else None,
            activity_rows=[(m, charts.table_text(n)) for m, n in per_month],
            release=charts.time_release("release", used, budget),
            used=used,
            budget=budget,
        )

    @get("/schemes/{scheme_id:uuid}/results", name="web:coordinate-results")
    async def results(
        self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = coordinator(viewer, Action.COORDINATE)
        report = await evaluations.scheme_report(db, who.org_id, scheme_id)
        scheme, found = report.scheme, report.results
        counts = [(kind.replace("_", " ").capitalize(), n) for kind, n in report.outcomes.items()]
        return render(
            "coordinator/results.html",
            viewer,
            nav="coordinate",
            title=f"Evaluation results: {scheme.name}",
            scheme=scheme,
            results=found,
            outcomes=charts.evaluation_outcomes("outcomes", counts),
            outcome_rows=[(k, charts.table_text(n)) for k, n in counts],
            suppressed=charts.SUPPRESSED,
        )


def _month(key: str) -> str:
    year, month = key.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


async def _mentors(db: Db, who: Actor, scheme: Scheme) -> list[tuple[uuid.UUID, str]]:
    """The scheme's cleared mentors, to move a mentee to."""
    service = ApplicationService(db, who.org_id)
    apps = [
        a for a in await service.for_scheme(who, scheme, SchemeRole.MENTOR) if a.state in ACCEPTED
    ]
    names = await _names(db, who.org_id, {a.member_id for a in apps})
    return sorted(((a.member_id, names.get(a.member_id, "")) for a in apps), key=lambda m: m[1])
