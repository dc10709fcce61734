"""Small parts of sign-in: secret references, claim mapping, redirects, the demo's store."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from network.config import Settings
from network.sso.flow import map_claims, safe_next
from network.sso.secrets import SecretUnavailable, resolve_secret
from network.sso.sessions import (
    ABSOLUTE_TIMEOUT_S,
    IDLE_TIMEOUT_S,
    CookieNames,
    SessionManager,
)
from network.sso.store import MemoryStore, key_for
from orgs.errors import InvalidInput
from orgs.people.sso_config import ClaimMapping, SsoSettings, check_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORNET_SSO_BRENT_SECRET", " s3cret \n")
    assert resolve_secret("env:MENTORNET_SSO_BRENT_SECRET") == "s3cret"


def test_secret_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("from-a-file\n")
    assert resolve_secret(f"file:{path}") == "from-a-file"


@pytest.mark.parametrize("ref", ["env:MENTORNET_NOT_SET_ANYWHERE", "file:/nonexistent/x", "x:y"])
def test_a_missing_secret_is_a_clear_error(ref: str) -> None:
    with pytest.raises(SecretUnavailable, match="client secret is missing"):
        resolve_secret(ref)


def settings(**changes: object) -> SsoSettings:
    base: dict[str, object] = {
        "issuer": "https://login.example",
        "client_id": "c",
        "client_secret_ref": "env:X",
    }
    base.update(changes)
    return SsoSettings(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_secret_ref", "plain-secret"),
        ("client_secret_ref", "env:lower_case"),
        ("client_secret_ref", "file:relative/path"),
        ("issuer", "http://login.example"),
        ("issuer", "https://login.example/?x=1"),
        ("scopes", ("email",)),
        ("scopes", ("openid", "bad scope")),
    ],
)
def test_settings_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_settings(settings(**{field: value}), allow_http_loopback=True)
    assert caught.value.errors[0].field == field


def test_http_issuer_only_on_loopback_and_only_when_allowed() -> None:
    loopback = settings(issuer="http://127.0.0.1:9000/dev-idp/brent")
    assert check_settings(loopback, allow_http_loopback=True) is loopback
    with pytest.raises(InvalidInput):
        check_settings(loopback, allow_http_loopback=False)


def test_claims_are_mapped_by_the_org_s_names() -> None:
    mapping = ClaimMapping(employee_id="employeeNumber", groups="roles", department="")
    identity = map_claims(
        "https://login.example",
        {
            "sub": "s-1",
            "employeeNumber": 12345,
            "roles": "admins",
            "department": "ignored: not mapped",
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "email_verified": "true",
        },
        mapping,
    )
    assert identity.subject == "s-1"
    assert identity.employee_id == "12345"
    assert identity.groups == ("admins",)
    assert identity.department is None
    assert (identity.given_name, identity.family_name) == ("Ada", "Lovelace")
    assert identity.email_verified is True


@pytest.mark.parametrize(
    ("wanted", "result"),
    [
        ("/orgs/brent/schemes", "/orgs/brent/schemes"),
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("/\\evil.example", "/home"),
        (None, "/home"),
    ],
)
def test_after_sign_in_only_local_paths(wanted: str | None, result: str) -> None:
    assert safe_next(wanted, "/home") == result


def test_cookie_names_follow_the_scheme() -> None:
    assert CookieNames.for_settings(Settings(base_url="http://127.0.0.1:8000")).session == (
        "mentornet_session"
    )
    secure = CookieNames.for_settings(Settings(base_url="https://mentornet.brent.gov.uk"))
    assert (secure.session, secure.secure) == ("__Host-mentornet", True)
    assert CookieNames.for_settings(Settings(env="prod")).secure


async def test_memory_sessions_time_out_by_the_clock() -> None:
    clock = Clock()
    sessions = SessionManager(MemoryStore(clock), clock)
    made = await sessions.create(
        member_id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        org_slug="brent",
        issuer="https://login.example",
        id_token=None,
        replacing=None,
    )
    assert made.id not in key_for("session", made.id)  # stored under a hash, never the id
    clock.now += IDLE_TIMEOUT_S - 1
    assert await sessions.load(made.id) is not None
    clock.now += IDLE_TIMEOUT_S + 1
    assert await sessions.load(made.id) is None

    again = await sessions.create(
        member_id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        org_slug="brent",
        issuer="https://login.example",
        id_token=None,
        replacing=made.id,
    )
    for _ in range(ABSOLUTE_TIMEOUT_S // (IDLE_TIMEOUT_S // 2)):
        clock.now += IDLE_TIMEOUT_S // 2
        if clock.now - again.record.created_at > ABSOLUTE_TIMEOUT_S:
            break
        assert await sessions.load(again.id) is not None
    clock.now += IDLE_TIMEOUT_S // 2
    assert await sessions.load(again.id) is None
