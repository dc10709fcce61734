"""A development OpenID Provider per demo org, served by the node itself at /dev-idp/{slug}.

For ``make run`` only: it lets anyone pick one of the org's demo people and be signed in as
them. It is refused (404) on a prod node. It speaks enough OpenID Connect for the real relying
party in ``network.sso`` to use it unchanged — discovery, JWKS, authorization code with PKCE
S256, the RFC 9207 ``iss`` parameter, token (client_secret_basic), UserInfo, end_session — so
the demo exercises the same checks as a real IdP. Its Ed25519 signing key and client secret
are derived from the node's secret key, so they survive restarts and need no files of their
own beyond the secret reference the demo writes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.jwk import OKPKey
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.demo.people import DEV_GROUP_ROLES, DevPerson, dev_people
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.sso.flow import SsoRuntime, post_logout_uri, redirect_uri
from network.sso.store import key_for
from orgs.errors import InvalidInput, NotFound, Unauthenticated
from orgs.people.sso_config import LinkingPolicy, SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry

CODE_TTL_S = 120
TOKEN_TTL_S = 300


def _derive(settings: Settings, label: str) -> bytes:
    return hmac.new(settings.secret_key.encode(), label.encode(), hashlib.sha256).digest()


def issuer_of(settings: Settings, slug: str) -> str:
    return f"{settings.base_url}/dev-idp/{slug}"


def client_id_of(slug: str) -> str:
    return f"mentornet-{slug}"


def client_secret_of(settings: Settings, slug: str) -> str:
    return base64.urlsafe_b64encode(_derive(settings, f"dev-idp-client:{slug}")).decode()


def signing_key(settings: Settings, slug: str) -> OKPKey:
    private = Ed25519PrivateKey.from_private_bytes(_derive(settings, f"dev-idp-key:{slug}"))
    return OKPKey.import_key(private, {"kid": f"dev-{slug}-1", "use": "sig", "alg": "Ed25519"})


class _Code(msgspec.Struct, frozen=True):
    sub: str
    nonce: str
    code_challenge: str
    redirect_uri: str


def _page(title: str, body: str, status: int = 200) -> Response[str]:
    return Response(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body><main>"
        f"<p><strong>Development sign-in service — not a real identity provider.</strong></p>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>",
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


async def _dev_org(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> SsoRuntime:
    sso = SsoRuntime.of(request.app.state)
    if sso.settings.is_prod or await OrgRegistry(db).find(slug) is None:
        raise NotFound(f"Nothing at {request.url.path}.")
    return sso


def _person(slug: str, sub: str) -> DevPerson:
    for person in dev_people(slug):
        if person.sub == sub:
            return person
    raise InvalidInput.on("person", "no such demo person")


class DevIdpController(Controller):
    path = "/dev-idp/{slug:str}"
    include_in_schema = False

    @get("/.well-known/openid-configuration")
    async def discovery(
        self, request: Request[Any, Any, Any], slug: Slug, db: Db
    ) -> dict[str, Any]:
        sso = await _dev_org(request, db, slug)
        issuer = issuer_of(sso.settings, slug)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/end_session",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["Ed25519"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "authorization_response_iss_parameter_supported": True,
            "scopes_supported": ["openid", "email", "profile", "mentornet"],
        }

    @get("/jwks")
    async def jwks(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> dict[str, Any]:
        sso = await _dev_org(request, db, slug)
        return {"keys": [signing_key(sso.settings, slug).as_dict(private=False)]}

    @get("/authorize")
    async def authorize(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Response[str]:
        sso = await _dev_org(request, db, slug)
        q = request.query_params
        if q.get("client_id") != client_id_of(slug) or q.get("redirect_uri") != redirect_uri(
            sso.settings, slug
        ):
            return _page("Unknown application", "<p>Wrong client_id or redirect_uri.</p>", 400)
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return _page("Unsupported request", "<p>Only code with PKCE S256.</p>", 400)
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{html.escape(q.get(name) or '')}'>"
            for name in ("state", "nonce", "code_challenge", "redirect_uri")
        )
        people = "".join(
            f"<li><form method='post' action='/dev-idp/{html.escape(slug)}/authorize'>{hidden}"
            f"<input type='hidden' name='person' value='{html.escape(p.sub)}'>"
            f"<button type='submit'>Sign in as {html.escape(p.given_name)} "
            f"{html.escape(p.family_name)}</button> — {html.escape(p.kind)}, "
            f"{html.escape(p.job_title)} ({html.escape(p.employee_id)})</form></li>"
            for p in dev_people(slug)
        )
        return _page(f"Sign in to {slug} (demo)", f"<p>Choose who you are:</p><ul>{people}</ul>")

    @post("/authorize", status_code=303)
    async def choose(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Redirect:
        sso = await _dev_org(request, db, slug)
        form = await request.form()
        fields = {
            k: str(form.get(k) or "")
            for k in ("state", "nonce", "code_challenge", "redirect_uri", "person")
        }
        person = _person(slug, fields["person"])
        if fields["redirect_uri"] != redirect_uri(sso.settings, slug):
            raise InvalidInput.on("redirect_uri", "not this client's")
        code = secrets.token_urlsafe(32)
        record = _Code(
            person.sub, fields["nonce"], fields["code_challenge"], fields["redirect_uri"]
        )
        await sso.store.put(
            key_for("devidp-code", slug, code), msgspec.json.encode(record), CODE_TTL_S
        )
        query = urlencode(
            {"code": code, "state": fields["state"], "iss": issuer_of(sso.settings, slug)}
        )
        return Redirect(f"{fields['redirect_uri']}?{query}", status_code=303)

    @post("/token", status_code=200)
    async def token(self, request: Request[Any, Any, Any], slug: Slug, db: Db) -> Response[bytes]:
        sso = await _dev_org(request, db, slug)
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id, secret = "", ""
        expected = client_secret_of(sso.settings, slug)
        if (
            scheme.lower() != "basic"
            or client_id != client_id_of(slug)
            or not hmac.compare_digest(secret.encode(), expected.encode())
        ):
            return _token_error("invalid_client", 401)
        form = await request.form()
        raw = await sso.store.take(key_for("devidp-code", slug, str(form.get("code") or "")))
        if raw is None or form.get("grant_type") != "authorization_code":
            return _token_error("invalid_grant")
        code = msgspec.json.decode(raw, type=_Code)
        verifier = str(form.get("code_verifier") or "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
            b"="
        )
        if (
            form.get("redirect_uri") != code.redirect_uri
            or challenge.decode() != code.code_challenge
        ):
            return _token_error("invalid_grant")
        person = _person(slug, code.sub)
        now = int(sso.clock())
        claims = {
            **person.claims(),
            "iss": issuer_of(sso.settings, slug),
            "aud": client_id_of(slug),
            "iat": now,
            "exp": now + TOKEN_TTL_S,
            "nonce": code.nonce,
        }
        key = signing_key(sso.settings, slug)
        id_token = jwt.encode(
            {"alg": "Ed25519", "kid": key.kid}, claims, key, algorithms=["Ed25519"]
        )
        access_token = secrets.token_urlsafe(32)
        await sso.store.put(
            key_for("devidp-at", slug, access_token), person.sub.encode(), TOKEN_TTL_S
        )
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_S,
            "id_token": id_token,
        }
        return Response(
            msgspec.json.encode(body),
            media_type=MediaType.JSON,
            headers={"Cache-Control": "no-store"},
        )

    @get("/userinfo")
    async def userinfo(
        self, request: Request[Any, Any, Any], slug: Slug, db: Db
    ) -> dict[str, object]:
        sso = await _dev_org(request, db, slug)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        sub = (
            await sso.store.get(key_for("devidp-at", slug, token))
            if scheme.lower() == "bearer"
            else None
        )
        if sub is None:
            raise Unauthenticated("invalid_token")
        return _person(slug, sub.decode()).claims()

    @get("/end_session")
    async def end_session(
        self, request: Request[Any, Any, Any], slug: Slug, db: Db
    ) -> Response[str]:
        sso = await _dev_org(request, db, slug)
        back = request.query_params.get("post_logout_redirect_uri")
        link = (
            f"<p><a href='{html.escape(back)}'>Back to MentorNet</a></p>"
            if back == post_logout_uri(sso.settings, slug)
            else ""
        )
        return _page("Signed out of the development sign-in service", link)


def _token_error(error: str, status: int = 400) -> Response[bytes]:
    return Response(
        msgspec.json.encode({"error": error}), status_code=status, media_type=MediaType.JSON
    )


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)


async def configure_dev_sso(
    session: AsyncSession, settings: Settings, secrets_dir: Path
) -> list[str]:
    """Point every org on this (dev) node at its development IdP; the client secret goes to a
    file under ``secrets_dir`` (absolute) and the database holds only ``file:`` + its path."""
    if not secrets_dir.is_absolute():
        raise ValueError("secrets_dir must be absolute")
    configured = []
    for org in await OrgRegistry(session).list():
        secret_file = secrets_dir / f"{org.slug}.secret"  # an absolute path (the caller's)
        await asyncio.to_thread(_write_secret, secret_file, client_secret_of(settings, org.slug))
        await SsoConfigService(session, org.id).set(
            SsoSettings(
                issuer=issuer_of(settings, org.slug),
                client_id=client_id_of(org.slug),
                client_secret_ref=f"file:{secret_file}",
                scopes=("openid", "email", "profile", "mentornet"),
                group_roles=DEV_GROUP_ROLES,
                linking=LinkingPolicy.EMPLOYEE_ID,
            ),
            allow_http_loopback=True,
        )
        configured.append(org.slug)
    return configured
