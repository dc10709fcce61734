"""Browser sessions: opaque random ids in a cookie, the session itself in the store.

- The id is 256 random bits; the store key is its SHA-256, so the store never holds it.
- A new id is issued at every sign-in (any session the browser had is destroyed first).
- Idle time-out (30 min) and absolute time-out (12 h) are checked against the timestamps in
  the record with the runtime's clock (the store's TTL is only a backstop).
- Each session carries a CSRF synchroniser token, required on every unsafe request that the
  session authenticates.
- Cookie: ``__Host-mentornet`` (Secure, HttpOnly, SameSite=Lax, Path=/). Browsers refuse
  ``Secure`` and ``__Host-`` cookies from plain ``http://127.0.0.1``, so a dev node served over
  http (the demo) uses ``mentornet_session`` without ``Secure`` instead; prod always uses the
  ``__Host-`` form.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass

import msgspec
from litestar.datastructures import Cookie

from network.config import Settings
from network.sso.store import Clock, Store, key_for

IDLE_TIMEOUT_S = 30 * 60
ABSOLUTE_TIMEOUT_S = 12 * 60 * 60
LOGIN_TIMEOUT_S = 10 * 60
#: Write ``last_seen`` back at most this often (bounds store writes on busy pages).
TOUCH_EVERY_S = 60

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class CookieNames:
    session: str
    login: str
    secure: bool

    @staticmethod
    def for_settings(settings: Settings) -> CookieNames:
        secure = settings.is_prod or settings.base_url.startswith("https://")
        if secure:
            return CookieNames("__Host-mentornet", "__Host-mentornet-login", secure=True)
        return CookieNames("mentornet_session", "mentornet_login", secure=False)

    def cookie(self, name: str, value: str, max_age: int) -> Cookie:
        return Cookie(
            key=name,
            value=value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def expired(self, name: str) -> Cookie:
        return self.cookie(name, "", 0)


class SessionRecord(msgspec.Struct, kw_only=True):
    member_id: uuid.UUID
    org_id: uuid.UUID
    org_slug: str
    issuer: str
    csrf: str
    created_at: float
    last_seen: float
    id_token: str | None = None  # the hint for RP-initiated logout


@dataclass(frozen=True)
class Session:
    id: str
    record: SessionRecord

    def csrf_matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.record.csrf.encode())


class SessionManager:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @staticmethod
    def _key(session_id: str) -> str:
        return key_for("session", session_id)

    def _ttl(self, record: SessionRecord) -> int:
        absolute_left = record.created_at + ABSOLUTE_TIMEOUT_S - self.clock()
        return int(min(IDLE_TIMEOUT_S, absolute_left)) + 1

    async def create(
        self,
        *,
        member_id: uuid.UUID,
        org_id: uuid.UUID,
        org_slug: str,
        issuer: str,
        id_token: str | None,
        replacing: str | None,
    ) -> Session:
        """A brand-new session (new id), destroying the one the browser had, if any."""
        if replacing:
            await self.destroy(replacing)
        now = self.clock()
        record = SessionRecord(
            member_id=member_id,
            org_id=org_id,
            org_slug=org_slug,
            issuer=issuer,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
            id_token=id_token,
        )
        session_id = secrets.token_urlsafe(32)
        await self.store.put(self._key(session_id), msgspec.json.encode(record), self._ttl(record))
        return Session(session_id, record)

    async def load(self, session_id: str | None) -> Session | None:
        """The live session of ``session_id``; expired ones are destroyed and give None."""
        if not session_id or len(session_id) > 100:
            return None
        raw = await self.store.get(self._key(session_id))
        if raw is None:
            return None
        try:
            record = msgspec.json.decode(raw, type=SessionRecord)
        except msgspec.DecodeError:
            await self.destroy(session_id)
            return None
        now = self.clock()
        if now - record.last_seen > IDLE_TIMEOUT_S or now - record.created_at > ABSOLUTE_TIMEOUT_S:
            await self.destroy(session_id)
            return None
        if now - record.last_seen >= TOUCH_EVERY_S:
            record.last_seen = now
            await self.store.put(
                self._key(session_id), msgspec.json.encode(record), self._ttl(record)
            )
        return Session(session_id, record)

    async def destroy(self, session_id: str) -> None:
        await self.store.delete(self._key(session_id))
