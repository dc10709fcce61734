"""The sign-in itself: authorization code flow with PKCE (S256), as an OpenID Connect RP.

``start`` remembers (server-side, bound to a random per-browser login cookie) the state, nonce,
PKCE verifier, org, issuer and redirect URI of one sign-in, and sends the browser to the IdP.
``finish`` takes that record back exactly once and checks, before anything is written:

- ``state`` present, known, not used before, and started by *this* browser;
- the callback is the org the sign-in started at, whose issuer has not changed since;
- the RFC 9207 ``iss`` response parameter, when sent (required when the IdP advertises it),
  equals that issuer (mix-up defence);
- the code is exchanged at that issuer's token endpoint with the same redirect URI and the
  PKCE verifier; the ID token is verified (``network.sso.idtoken``); UserInfo's ``sub``
  equals the ID token's.

Only then is the member found, linked or provisioned (``orgs.people.identity``) and a new session
issued. Any refusal raises before the first write, and the request's transaction is rolled
back, so nothing is provisioned and no session exists after a refused sign-in.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.logs import get_logger
from network.runtime import Runtime
from network.sso.errors import SignInFailed
from network.sso.idtoken import verify_id_token
from network.sso.provider import Discovery, IdpClient
from network.sso.secrets import resolve_secret
from network.sso.sessions import LOGIN_TIMEOUT_S, CookieNames, Session, SessionManager
from network.sso.store import Clock, MemoryStore, RedisStore, Store, key_for
from orgs.models import Org
from orgs.people.identity import IdentityClaims, IdentityService
from orgs.people.members import Member
from orgs.people.sso_config import ClaimMapping, OrgSsoConfig, SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry

log = get_logger("mentornet.sso")


class PendingLogin(msgspec.Struct, frozen=True, kw_only=True):
    org_id: uuid.UUID
    org_slug: str
    issuer: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str
    created_at: float


@dataclass
class SsoRuntime:
    """The sign-in machinery of one app: caches, store, clock. Kept in app state."""

    settings: Settings
    store: Store
    idp: IdpClient
    sessions: SessionManager
    cookies: CookieNames
    clock: Clock

    @staticmethod
    def of(state: State) -> SsoRuntime:
        existing: SsoRuntime | None = state.get("sso")
        if existing is None:
            runtime = Runtime.of(state)
            existing = SsoRuntime.build(runtime.settings, runtime)
            state["sso"] = existing
        return existing

    @staticmethod
    def build(settings: Settings, runtime: Runtime, clock: Clock | None = None) -> SsoRuntime:
        import time

        holder = _ClockHolder(clock or time.time)
        store: Store = (
            RedisStore(runtime.redis) if runtime.redis is not None else MemoryStore(holder)
        )
        return SsoRuntime(
            settings=settings,
            store=store,
            idp=IdpClient(clock=holder, allow_http_loopback=not settings.is_prod),
            sessions=SessionManager(store, holder),
            cookies=CookieNames.for_settings(settings),
            clock=holder,
        )

    def set_clock(self, clock: Clock) -> None:
        """Tests: drive every time-out and token check from an explicit clock."""
        assert isinstance(self.clock, _ClockHolder)
        self.clock.now = clock


class _ClockHolder:
    def __init__(self, now: Clock) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now()


def redirect_uri(settings: Settings, slug: str) -> str:
    return f"{settings.base_url}/orgs/{slug}/callback"


def post_logout_uri(settings: Settings, slug: str) -> str:
    return f"{settings.base_url}/orgs/{slug}/signed-out"


def safe_next(path: str | None, default: str) -> str:
    """Only a local path: never another site (open redirect), never ``//host``."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path[:500]
    return default


async def org_and_config(db: AsyncSession, slug: str) -> tuple[Org, OrgSsoConfig]:
    org = await OrgRegistry(db).get(slug)
    config = await SsoConfigService(db, org.id).find()
    if config is None or not config.enabled:
        raise SignInFailed(f"{org.name} has not set up sign-in to MentorNet yet.")
    return org, config


@dataclass(frozen=True)
class LoginStart:
    redirect_to: str
    binding: str  # the login cookie's value (new or reused)


async def start(
    sso: SsoRuntime, db: AsyncSession, slug: str, binding: str | None, next_path: str | None
) -> LoginStart:
    org, config = await org_and_config(db, slug)
    discovery = await sso.idp.discovery(org.id, config.issuer)
    if not binding or len(binding) > 100:
        binding = secrets.token_urlsafe(32)
    state = secrets.token_urlsafe(32)
    pending = PendingLogin(
        org_id=org.id,
        org_slug=org.slug,
        issuer=config.issuer,
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        redirect_uri=redirect_uri(sso.settings, org.slug),
        next_path=safe_next(next_path, f"/orgs/{org.slug}/"),
        created_at=sso.clock(),
    )
    await sso.store.put(
        key_for("login", binding, state), msgspec.json.encode(pending), LOGIN_TIMEOUT_S
    )
    url = add_params_to_uri(
        discovery.authorization_endpoint,
        [
            ("response_type", "code"),
            ("client_id", config.client_id),
            ("redirect_uri", pending.redirect_uri),
            ("scope", config.scopes),
            ("state", state),
            ("nonce", pending.nonce),
            ("code_challenge", create_s256_code_challenge(pending.code_verifier)),
            ("code_challenge_method", "S256"),
        ],
    )
    return LoginStart(url, binding)


@dataclass(frozen=True)
class CallbackParams:
    state: str | None
    code: str | None
    iss: str | None
    error: str | None


@dataclass(frozen=True)
class SignedIn:
    member: Member
    session: Session
    next_path: str


def _text(claims: dict[str, Any], name: str) -> str | None:
    if not name:
        return None
    value = claims.get(name)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def map_claims(issuer: str, claims: dict[str, Any], mapping: ClaimMapping) -> IdentityClaims:
    given, family = _text(claims, mapping.given_name), _text(claims, mapping.family_name)
    full = _text(claims, mapping.name)
    if given is None and family is None and full:
        given, _, family = full.partition(" ")
    groups_raw = claims.get(mapping.groups) if mapping.groups else None
    groups = (
        tuple(g for g in groups_raw if isinstance(g, str))
        if isinstance(groups_raw, list)
        else (groups_raw,)
        if isinstance(groups_raw, str)
        else ()
    )
    verified = claims.get(mapping.email_verified) if mapping.email_verified else None
    return IdentityClaims(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=_text(claims, mapping.email),
        email_verified=verified is True or verified == "true",
        given_name=given,
        family_name=family,
        employee_id=_text(claims, mapping.employee_id),
        department=_text(claims, mapping.department),
        job_title=_text(claims, mapping.job_title),
        manager_employee_id=_text(claims, mapping.manager_employee_id),
        groups=groups,
    )


async def finish(
    sso: SsoRuntime,
    db: AsyncSession,
    slug: str,
    params: CallbackParams,
    binding: str | None,
    old_session: str | None,
) -> SignedIn:
    if not params.state:
        raise SignInFailed("The sign-in response has no state; please start again.")
    if not binding:
        raise SignInFailed(
            "This browser did not start this sign-in (or its cookies are blocked); "
            "please start again."
        )
    raw = await sso.store.take(key_for("login", binding, params.state))
    if raw is None:
        raise SignInFailed(
            "This sign-in was not started in this browser, has expired, or was already "
            "used; please start again."
        )
    pending = msgspec.json.decode(raw, type=PendingLogin)
    if pending.org_slug != slug:
        raise SignInFailed("This sign-in was started for another organisation; please start again.")
    if sso.clock() - pending.created_at > LOGIN_TIMEOUT_S:
        raise SignInFailed("This sign-in took too long; please start again.")
    if params.error:
        raise SignInFailed(
            f"Your organisation's sign-in service did not sign you in ({params.error[:64]})."
        )
    org, config = await org_and_config(db, slug)
    if org.id != pending.org_id or config.issuer != pending.issuer:
        raise SignInFailed("Sign-in settings changed during the sign-in; please start again.")
    discovery = await sso.idp.discovery(org.id, pending.issuer)
    if params.iss is not None and params.iss != pending.issuer:
        raise SignInFailed(
            "The sign-in response came from another identity provider than the one this "
            "sign-in was sent to, so it was refused."
        )
    if params.iss is None and discovery.authorization_response_iss_parameter_supported:
        raise SignInFailed("The sign-in response does not say which provider sent it.")
    if not params.code:
        raise SignInFailed("The sign-in response has no authorization code; please start again.")
    settings = config.to_settings()
    claims, id_token = await _verified_claims(sso, org, settings, discovery, pending, params.code)
    identity = map_claims(pending.issuer, claims, settings.claims)
    member = await IdentityService(db, org.id).sign_in(
        identity, settings.linking, settings.group_roles
    )
    session = await sso.sessions.create(
        member_id=member.id,
        org_id=org.id,
        org_slug=org.slug,
        issuer=pending.issuer,
        id_token=id_token,
        replacing=old_session,
    )
    log.info("sign_in", org=org.slug, member_id=str(member.id))
    return SignedIn(member, session, pending.next_path)


async def _verified_claims(
    sso: SsoRuntime,
    org: Org,
    settings: SsoSettings,
    discovery: Discovery,
    pending: PendingLogin,
    code: str,
) -> tuple[dict[str, Any], str]:
    """The verified claims (ID token, then UserInfo for the gaps) and the raw ID token."""
    secret = resolve_secret(settings.client_secret_ref)
    tokens = await sso.idp.exchange_code(
        pending.issuer,
        discovery,
        client_id=settings.client_id,
        client_secret=secret,
        code=code,
        redirect_uri=pending.redirect_uri,
        code_verifier=pending.code_verifier,
    )
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("Your organisation's sign-in service sent no ID token.")

    async def keys_for(kid: str | None) -> Any:
        return await sso.idp.keys_for(org.id, pending.issuer, discovery.jwks_uri, kid)

    claims = await verify_id_token(
        id_token,
        keys_for=keys_for,
        issuer=pending.issuer,
        client_id=settings.client_id,
        nonce=pending.nonce,
        now=sso.clock(),
    )
    access_token = tokens.get("access_token")
    if discovery.userinfo_endpoint and isinstance(access_token, str):
        info = await sso.idp.userinfo(pending.issuer, discovery, access_token)
        if info.get("sub") != claims["sub"]:
            raise SignInFailed(
                "Your organisation's sign-in service described a different person than the "
                "one who signed in, so the sign-in was refused."
            )
        # The ID token's own claims win: they are signed; UserInfo only fills the gaps.
        claims = {**info, **claims}
    return claims, id_token


def end_session_url(
    discovery: Discovery, *, client_id: str, id_token: str | None, post_logout: str
) -> str | None:
    if not discovery.end_session_endpoint:
        return None
    params = {"client_id": client_id, "post_logout_redirect_uri": post_logout}
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in discovery.end_session_endpoint else "?"
    return discovery.end_session_endpoint + separator + urlencode(params)
