"""Sign-in routes (browser), ``/api/v1/me``, and the org admin's SSO configuration API.

Browser routes answer failures with a plain, clear HTML page (the web pages will restyle it),
or with problem+json when the client asks for JSON. Handlers stay thin: ``network.sso.flow``
does the work.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.datastructures import Cookie
from litestar.params import JSONBody
from litestar.response import Redirect

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.dev_idp import DevIdpController
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS, handle_domain_error
from network.http.sign_in_out import CallerOut, SsoConfigOut
from network.logs import get_logger
from network.metrics import SIGN_IN_REFUSALS, SIGN_INS
from network.runtime import Runtime
from network.sso import flow
from network.sso.csrf import check_csrf
from network.sso.errors import SignInFailed
from network.sso.flow import SsoRuntime
from network.sso.sessions import ABSOLUTE_TIMEOUT_S, CSRF_FIELD, LOGIN_TIMEOUT_S
from orgs.errors import DomainError, NotFound
from orgs.people.actor import Actor
from orgs.people.identity import is_line_manager
from orgs.people.permissions import Action, authorize
from orgs.people.roles import roles_of
from orgs.people.sso_config import OrgSsoConfig, SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry

log = get_logger("mentornet.sso")
LINE_MANAGER = "line_manager"


# --- pages -------------------------------------------------------------------------------------


def page(
    title: str, body: str, status: int = 200, cookies: list[Cookie] | None = None
) -> Response[str]:
    """A minimal accessible page; every interpolated value is escaped by the caller."""
    content = (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} – MentorNet</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(
        content,
        status_code=status,
        media_type=MediaType.HTML,
        cookies=cookies or [],
        headers={"Cache-Control": "no-store"},
    )


def wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def sign_in_failure(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """Browser routes: problem+json for API clients, a clear page for people."""
    response = handle_domain_error(request, exc)
    log.info("sign_in_refused", path=request.url.path, code=exc.code, detail=exc.detail)
    if wants_json(request):
        return response
    slug = request.path_params.get("slug")
    again = (
        f"<p><a href='/orgs/{html.escape(str(slug))}/login'>Try signing in again</a></p>"
        if slug and not isinstance(exc, NotFound)
        else ""
    )
    return page(
        exc.title,
        f"<p>{html.escape(exc.detail)}</p>{again}",
        status=response.status_code or 400,
    )


def _session_cookie(request: Request[Any, Any, Any], sso: SsoRuntime) -> str | None:
    return request.cookies.get(sso.cookies.session)


async def _org_label(db: Db, slug: str) -> str:
    """``slug`` if such an org exists here, else "unknown": a path must not mint new series."""
    with db.no_autoflush:  # whatever the refused sign-in left pending is not for this query
        return slug if await OrgRegistry(db).find(slug) is not None else "unknown"


# --- browser routes ----------------------------------------------------------------------------


class SignInController(Controller):
    path = "/orgs/{slug:str}"
    tags = ("sign-in",)
    include_in_schema = False
    exception_handlers = {DomainError: sign_in_failure}  # noqa: RUF012 - Litestar's own API

    @get("/login", summary="Start signing in through the org's own identity provider")
    async def login(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Redirect:
        sso = SsoRuntime.of(request.app.state)
        # Each start stores a login binding and calls the IdP: bounded per client address.
        client = request.client.host if request.client else "unknown"
        await Runtime.of(request.app.state).limits.admit("sign_in", client)
        started = await flow.start(
            sso,
            db,
            slug,
            request.cookies.get(sso.cookies.login),
            request.query_params.get("next"),
        )
        return Redirect(
            started.redirect_to,
            status_code=302,
            cookies=[sso.cookies.cookie(sso.cookies.login, started.binding, LOGIN_TIMEOUT_S)],
            headers={"Cache-Control": "no-store"},
        )

    @get("/callback", summary="Where the identity provider sends the browser back")
    async def callback(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Redirect:
        sso = SsoRuntime.of(request.app.state)
        query = request.query_params
        params = flow.CallbackParams(
            state=query.get("state"),
            code=query.get("code"),
            iss=query.get("iss"),
            error=query.get("error"),
        )
        try:
            signed_in = await flow.finish(
                sso,
                db,
                slug,
                params,
                request.cookies.get(sso.cookies.login),
                _session_cookie(request, sso),
            )
        except DomainError as refused:
            SIGN_IN_REFUSALS.labels(await _org_label(db, slug), refused.code).inc()
            raise
        SIGN_INS.labels(slug).inc()
        return Redirect(
            signed_in.next_path,
            status_code=303,
            cookies=[
                sso.cookies.cookie(sso.cookies.session, signed_in.session.id, ABSOLUTE_TIMEOUT_S),
                sso.cookies.expired(sso.cookies.login),
            ],
            headers={"Cache-Control": "no-store"},
        )

    @post("/logout", summary="Sign out (and out of the IdP where it offers that)", status_code=303)
    async def logout(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Redirect:
        sso = SsoRuntime.of(request.app.state)
        session = await sso.sessions.load(_session_cookie(request, sso))
        signed_out = f"/orgs/{slug}/signed-out"
        if session is None:
            return Redirect(
                signed_out, status_code=303, cookies=[sso.cookies.expired(sso.cookies.session)]
            )
        if session.record.org_slug != slug:
            raise NotFound(f"No organisation {slug!r} on this node.")
        await check_csrf(request, session)
        await sso.sessions.destroy(session.id)
        target = signed_out
        config = await SsoConfigService(db, session.record.org_id).find()
        if config is not None and config.issuer == session.record.issuer:
            try:
                discovery = await sso.idp.discovery(session.record.org_id, config.issuer)
            except DomainError:  # IdP down: the local sign-out still happened
                discovery = None
            if discovery is not None:
                target = (
                    flow.end_session_url(
                        discovery,
                        client_id=config.client_id,
                        id_token=session.record.id_token,
                        post_logout=flow.post_logout_uri(sso.settings, slug),
                    )
                    or signed_out
                )
        log.info("sign_out", org=slug, member_id=str(session.record.member_id))
        return Redirect(target, status_code=303, cookies=[sso.cookies.expired(sso.cookies.session)])

    @get("/signed-out", summary="Signed out")
    async def signed_out(self, slug: Slug) -> Response[str]:
        return page(
            "You have signed out",
            f"<p><a href='/orgs/{html.escape(slug)}/login'>Sign in again</a></p>",
        )

    @get("/account", summary="Who you are signed in as")
    async def account(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Response[str]:
        sso = SsoRuntime.of(request.app.state)
        session = await sso.sessions.load(_session_cookie(request, sso))
        org = await OrgRegistry(db).get(slug)
        if session is None or session.record.org_slug != slug:
            return page(
                f"Sign in to {org.name}",
                f"<p>You are not signed in.</p><p><a href='/orgs/{html.escape(slug)}/login'>"
                f"Sign in with {html.escape(org.name)}</a></p>",
            )
        me = await describe_member(db, session.record.org_id, session.record.member_id)
        roles = ", ".join(r.replace("_", " ") for r in me.roles) or "member"
        return page(
            f"Signed in to {org.name}",
            f"<p>You are <strong>{html.escape(me.name)}</strong>"
            f"{' (' + html.escape(me.job_title) + ')' if me.job_title else ''}.</p>"
            f"<p>Your roles: <strong>{html.escape(roles)}</strong>.</p>"
            f"<form method='post' action='/orgs/{html.escape(slug)}/logout'>"
            f"<input type='hidden' name='{CSRF_FIELD}' value='{html.escape(session.record.csrf)}'>"
            "<button type='submit'>Sign out</button></form>",
        )


# --- /api/v1/me --------------------------------------------------------------------------------


class MemberView(msgspec.Struct, frozen=True):
    name: str
    job_title: str
    roles: list[str]


async def describe_member(db: Db, org_id: uuid.UUID, member_id: uuid.UUID) -> MemberView:
    from orgs.people.members import MemberRepository

    member = await MemberRepository(db, org_id).get(member_id)
    roles = sorted(r.value for r in await roles_of(db, member))
    if await is_line_manager(db, member):
        roles.append(LINE_MANAGER)
    return MemberView(member.display_name, member.job_title, roles)


class WhoAmIController(Controller):
    path = "/api/v1/me"
    tags = ("sign-in",)

    @get(
        "/",
        summary="Who is calling: the signed-in member (or the token's org)",
        responses=API_PROBLEMS,
    )
    async def me(self, request: Request[Any, Any, Any], actor: Actor_) -> CallerOut:
        roles = sorted(r.value for r in actor.roles)
        if actor.line_manager:
            roles.append(LINE_MANAGER)
        csrf = None
        if actor.via == "session":
            sso = SsoRuntime.of(request.app.state)
            session = await sso.sessions.load(_session_cookie(request, sso))
            csrf = session.record.csrf if session else None
        member = actor.member
        return CallerOut(
            org=actor.org_slug,
            via=actor.via,
            roles=roles,
            member_id=member.id if member else None,
            name=member.display_name if member else None,
            job_title=member.job_title if member else None,
            csrf_token=csrf,
        )


# --- /api/v1/orgs/{slug}/sso -------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    authorize(actor, Action.CONFIGURE_SIGN_IN)


def _out(request: Request[Any, Any, Any], slug: str, row: OrgSsoConfig) -> SsoConfigOut:
    settings = SsoRuntime.of(request.app.state).settings
    return SsoConfigOut(
        settings=row.to_settings(),
        redirect_uri=flow.redirect_uri(settings, slug),
        post_logout_redirect_uri=flow.post_logout_uri(settings, slug),
        updated_at=row.updated_at,
    )


class SsoAdminController(Controller):
    path = "/api/v1/orgs/{slug:str}/sso"
    tags = ("orgs",)

    @get("/", summary="The org's single sign-on settings (org admin)", responses=API_PROBLEMS)
    async def get_sso(
        self, request: Request[Any, Any, Any], slug: Slug, actor: Actor_, db: Db
    ) -> SsoConfigOut:
        _require_admin(actor)
        row = await SsoConfigService(db, actor.org_id).get()
        return _out(request, slug, row)

    @put(
        "/", summary="Replace the org's single sign-on settings (org admin)", responses=API_PROBLEMS
    )
    async def put_sso(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        data: JSONBody[SsoSettings],
        actor: Actor_,
        db: Db,
    ) -> SsoConfigOut:
        _require_admin(actor)
        sso = SsoRuntime.of(request.app.state)
        row = await SsoConfigService(db, actor.org_id).set(
            data, allow_http_loopback=not sso.settings.is_prod
        )
        sso.idp.forget(actor.org_id)
        return _out(request, slug, row)


ROUTE_HANDLERS = [SignInController, WhoAmIController, SsoAdminController, DevIdpController]

__all__ = ["ROUTE_HANDLERS", "SignInFailed"]
