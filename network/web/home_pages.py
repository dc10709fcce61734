"""The node's home page (its organisations), each org's theme, and a member's home."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from federation.relationship_outbox import outbox_sink
from network.http.dependencies import Db
from network.http.mentoring_api import _relationship_out, _requests_out
from network.http.mentoring_out import NotificationOut
from network.http.path_params import Slug
from network.http.schemes_out import application_out
from network.http.text_responses import text_response
from network.web.pages import PageContext_, render, see_other, theme_of, with_headers
from network.web.tasks import mentee_tasks
from orgs.db import utcnow
from orgs.mentoring.relationships import relationships_of
from orgs.pairing.requests import RequestService
from orgs.people.notifications import inbox, mark_all_read, mark_read
from orgs.people.profiles import ProfileService
from orgs.registry import OrgRegistry
from orgs.schemes.applications import ApplicationService
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService
from orgs.structs import out


@get("/", include_in_schema=False, name="web:node-home")
async def node_home(db: Db) -> Response[Any]:
    orgs = sorted(await OrgRegistry(db).list(), key=lambda o: o.name)
    return render("node_home.html", None, title="Mentoring across organisations", orgs=orgs)


def _text_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#0b0c0c" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


@get("/orgs/{slug:str}/theme.css", include_in_schema=False, name="web:theme")
async def theme_css(slug: Slug, db: Db) -> Response[str]:
    theme = theme_of(await OrgRegistry(db).get(slug))
    body = f":root{{--mn-brand:{theme.colour};--mn-brand-text:{_text_colour(theme.colour)};}}\n"
    response = text_response(body, "text/css")
    with_headers(response)
    response.headers["Cache-Control"] = "max-age=300"
    return response


class HomePages(Controller):
    path = "/orgs/{slug:str}"
    include_in_schema = False

    @get("/", name="web:home")
    async def home(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        member = viewer.member
        who = viewer.actor
        applications = ApplicationService(db, member.org_id)
        apps = [await application_out(applications, a) for a in await applications.mine(who)]
        schemes = {s.id: s for s in await SchemeService(db, member.org_id).list()}
        requests = await _requests_out(
            db, member, await RequestService(db, member.org_id, outbox_sink(db)).mine(member)
        )
        relationships = [
            await _relationship_out(db, member, r) for r in await relationships_of(db, member)
        ]
        unread = len(await inbox(db, member, unread_only=True))
        only_mentor = bool(apps) and all(a.role is SchemeRole.MENTOR for a in apps)
        tasks = (
            []
            if only_mentor
            else mentee_tasks(
                viewer.base,
                apps,
                has_profile=await ProfileService(db, member).mentee() is not None,
                waiting_requests=sum(
                    1 for r in requests if r.my_role == "mentee" and r.state in ("open", "queued")
                ),
                relationships=relationships,
            )
        )
        return render(
            "home.html",
            viewer,
            nav="home",
            title="Your mentoring",
            applications=apps,
            schemes=schemes,
            requests=requests,
            relationships=relationships,
            unread=unread,
            tasks=tasks,
            line_manager=viewer.actor.line_manager,
            applied=request.query_params.get("applied") in ("mentee", "mentor"),
        )

    @get("/notifications", name="web:notifications")
    async def notifications(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        notes = [out(NotificationOut, n) for n in await inbox(db, viewer.member)]
        return render(
            "notifications.html", viewer, nav="notifications", title="Notifications", notes=notes
        )

    @post("/notifications/{notification_id:uuid}/read", name="web:notification-read")
    async def read(
        self, slug: Slug, notification_id: FromPath[uuid.UUID], viewer: PageContext_, db: Db
    ) -> Response[Any]:
        await mark_read(db, viewer.member, notification_id, utcnow())
        return see_other(f"{viewer.base}/notifications")

    @post("/notifications/read-all", name="web:notifications-read-all")
    async def read_all(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        await mark_all_read(db, viewer.member, utcnow())
        return see_other(f"{viewer.base}/notifications")
