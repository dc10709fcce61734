"""Talking to one org's identity provider: discovery, JWKS, token and UserInfo requests.

Every call to the IdP goes through :meth:`IdpClient._fetch`, which turns whatever the HTTP
package (``httpx``) raises — refused connection, time-out, TLS error, bad status, non-JSON
body — into :class:`IdpUnavailable` with a message a person can act on. An IdP that is down
is therefore a clear page, never a 500.

Discovery is validated (its ``issuer`` must equal the configured issuer exactly) and cached
per org for an hour. JWKS is cached per org in this process; a token signed with a ``kid`` we
do not know triggers a refetch: the first one after the initial download at once (a key
rotated just after a cold start must not lock the org out), later ones at most once a minute
per org.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from network.sso.errors import IdpUnavailable, SignInFailed
from network.sso.store import Clock
from orgs.people.sso_config import is_loopback

DISCOVERY_TTL_S = 60 * 60
JWKS_MIN_REFETCH_S = 60
HTTP_TIMEOUT_S = 5.0
MAX_RESPONSE_BYTES = 512 * 1024

#: Asymmetric signature algorithms only: never ``none``, never HMAC (whose "key" would be
#: the IdP's public key, which anybody has).
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
)
PUBLIC_KEY_TYPES = ("RSA", "EC", "OKP")


class Discovery(msgspec.Struct, frozen=True, kw_only=True):
    """The parts of an OpenID Provider's metadata we use."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    authorization_response_iss_parameter_supported: bool = False
    code_challenge_methods_supported: list[str] | None = None
    id_token_signing_alg_values_supported: list[str] | None = None
    response_types_supported: list[str] | None = None


def unavailable(issuer: str, what: str) -> IdpUnavailable:
    host = urlsplit(issuer).netloc or issuer
    return IdpUnavailable(
        f"Your organisation's sign-in service ({host}) {what}. Nothing was changed; please "
        "try again in a few minutes, and tell your IT service desk if it persists."
    )


@dataclass
class _KeysEntry:
    jwks_uri: str
    keys: KeySet
    kids: frozenset[str | None]
    fetched_at: float
    refetched: bool = False  # an unknown kid has already made us download this set again


@dataclass
class IdpClient:
    """Per-process caches of every org's IdP metadata and keys."""

    clock: Clock
    allow_http_loopback: bool
    transport: httpx.AsyncBaseTransport | None = None
    _discovery: dict[tuple[uuid.UUID, str], tuple[Discovery, float]] = field(default_factory=dict)
    _keys: dict[uuid.UUID, _KeysEntry] = field(default_factory=dict)

    def forget(self, org_id: uuid.UUID) -> None:
        """Drop an org's cached metadata and keys (its settings changed)."""
        self._keys.pop(org_id, None)
        for key in [k for k in self._discovery if k[0] == org_id]:
            del self._discovery[key]

    def _check_url(self, issuer: str, url: str, name: str) -> str:
        parts = urlsplit(url)
        ok = parts.scheme == "https" or (
            self.allow_http_loopback and parts.scheme == "http" and is_loopback(parts.hostname)
        )
        if not ok or not parts.netloc:
            raise unavailable(issuer, f"published an unusable {name} ({url!r})")
        return url

    async def _fetch(
        self,
        issuer: str,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        bearer: str | None = None,
        accept_error_json: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Accept": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            async with httpx.AsyncClient(
                timeout=HTTP_TIMEOUT_S, follow_redirects=False, transport=self.transport
            ) as client:
                response = await client.request(method, url, data=data, auth=auth, headers=headers)
        except httpx.TimeoutException as exc:
            raise unavailable(issuer, "did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise unavailable(issuer, "could not be reached") from exc
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise unavailable(issuer, "sent an answer that is far too large")
        if response.status_code >= 500:
            raise unavailable(issuer, f"answered with an error ({response.status_code})")
        if response.status_code != 200 and not (accept_error_json and response.status_code < 500):
            raise unavailable(issuer, f"answered with an error ({response.status_code})")
        try:
            body = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            raise unavailable(issuer, "sent an answer that is not JSON") from None
        if not isinstance(body, dict):
            raise unavailable(issuer, "sent an answer that is not a JSON object")
        return response.status_code, body

    async def discovery(self, org_id: uuid.UUID, issuer: str) -> Discovery:
        cached = self._discovery.get((org_id, issuer))
        if cached is not None and self.clock() - cached[1] < DISCOVERY_TTL_S:
            return cached[0]
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        _, body = await self._fetch(issuer, "GET", url)
        try:
            doc = msgspec.convert(body, Discovery)
        except msgspec.ValidationError as exc:
            raise unavailable(issuer, f"published unusable metadata ({exc})") from None
        if doc.issuer != issuer:
            # Exact match (RFC 8414 §3.3): otherwise tokens could come from another issuer.
            raise SignInFailed(
                "Your organisation's sign-in service describes itself as a different issuer "
                "than the one configured, so MentorNet will not trust it. Please tell your "
                "organisation's MentorNet admin."
            )
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            self._check_url(issuer, getattr(doc, name), name)
        for name in ("userinfo_endpoint", "end_session_endpoint"):
            if getattr(doc, name):
                self._check_url(issuer, getattr(doc, name), name)
        if doc.code_challenge_methods_supported is not None and (
            "S256" not in doc.code_challenge_methods_supported
        ):
            raise unavailable(issuer, "does not support PKCE with S256")
        if doc.response_types_supported is not None and "code" not in doc.response_types_supported:
            raise unavailable(issuer, "does not support the authorization code flow")
        if doc.id_token_signing_alg_values_supported is not None and not (
            set(doc.id_token_signing_alg_values_supported) & set(ALLOWED_ALGORITHMS)
        ):
            raise unavailable(issuer, "signs its tokens only with algorithms we refuse")
        self._discovery[(org_id, issuer)] = (doc, self.clock())
        return doc

    async def _load_keys(
        self, org_id: uuid.UUID, issuer: str, jwks_uri: str, *, refetch: bool = False
    ) -> _KeysEntry:
        _, body = await self._fetch(issuer, "GET", jwks_uri)
        raw_keys = body.get("keys")
        if not isinstance(raw_keys, list):
            raise unavailable(issuer, "published a key set without keys")
        public = [
            {k: v for k, v in key.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "k")}
            for key in raw_keys
            if isinstance(key, dict)
            and key.get("kty") in PUBLIC_KEY_TYPES  # never a symmetric ("oct") key
            and key.get("use", "sig") == "sig"
            and (key.get("alg") is None or key.get("alg") in ALLOWED_ALGORITHMS)
        ]
        try:
            keys = KeySet.import_key_set({"keys": public})
        except (JoseError, ValueError, TypeError) as exc:
            raise unavailable(issuer, "published keys that cannot be read") from exc
        entry = _KeysEntry(
            jwks_uri,
            keys,
            frozenset(key.kid for key in keys.keys),
            fetched_at=self.clock(),
            refetched=refetch,
        )
        self._keys[org_id] = entry
        return entry

    async def keys_for(
        self, org_id: uuid.UUID, issuer: str, jwks_uri: str, kid: str | None
    ) -> KeySet:
        """The org's keys, refetched if ``kid`` is not among them.

        The first refetch after the initial download is free; after that, at most one a
        minute, so unknown kids cannot make us hammer the IdP.
        """
        entry = self._keys.get(org_id)
        if entry is None or entry.jwks_uri != jwks_uri:
            entry = await self._load_keys(org_id, issuer, jwks_uri)
        if kid is not None and kid not in entry.kids:
            if not entry.refetched or self.clock() - entry.fetched_at >= JWKS_MIN_REFETCH_S:
                entry = await self._load_keys(org_id, issuer, jwks_uri, refetch=True)
            if kid not in entry.kids:
                raise SignInFailed(
                    "The sign-in was signed with a key your organisation's sign-in service "
                    "does not publish, so it was refused."
                )
        return entry.keys

    async def exchange_code(
        self,
        issuer: str,
        discovery: Discovery,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> dict[str, Any]:
        status, body = await self._fetch(
            issuer,
            "POST",
            discovery.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            auth=(client_id, client_secret),  # client_secret_basic
            accept_error_json=True,
        )
        if status != 200:
            error = str(body.get("error", "error"))[:64]
            raise SignInFailed(
                f"Your organisation's sign-in service refused to complete the sign-in "
                f"({error}). Please start again."
            )
        return body

    async def userinfo(
        self, issuer: str, discovery: Discovery, access_token: str
    ) -> dict[str, Any]:
        assert discovery.userinfo_endpoint is not None
        _, body = await self._fetch(issuer, "GET", discovery.userinfo_endpoint, bearer=access_token)
        return body
