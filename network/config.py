"""The node's settings: one object, read once from ``MENTORNET_*`` environment variables.

Only :func:`load_settings` looks at the environment, and only the composition roots
(``network.app.create_app`` when given no settings, and the CLI) call it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlsplit

import msgspec

Environment = Literal["dev", "prod"]

#: Used only in dev so that the demo starts with no setup; production refuses it.
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-use!"  # noqa: S105
MIN_SECRET_BYTES = 32
MAX_RETENTION_DAYS = 3650
DEFAULT_DEV_DATABASE = Path("var") / "mentornet-dev.db"
_BEARER_TOKEN = re.compile(rf"[A-Za-z0-9._~+/=-]{{{MIN_SECRET_BYTES},}}")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Environment = "dev"
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DEV_DATABASE}"
    redis_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET_KEY
    max_body_bytes: int = 1_048_576
    #: Seconds a request body may take to arrive, from the app's first read (408 after).
    body_timeout_s: float = 15.0
    log_level: str = "INFO"
    node_name: str = "MentorNet node"
    #: Deliver the federation outbox from a background task in each app worker.
    outbox_worker: bool = True
    #: Seconds between two pulls of a peer's card feed (for the whole node, not per worker).
    feed_interval_s: float = 300.0
    #: One pull per peer per node (a per-peer lock); off: every worker pulls every peer.
    feed_pull_lock: bool = True
    #: Where notification emails go: ``smtp://[user:password@]host:port[?from=addr]``
    #: (``smtps://`` for implicit TLS, ``?starttls=1`` to upgrade). None: emails wait unsent.
    smtp_url: str | None = None
    #: Run the mentoring jobs (expiry, reminders, auto-closure, emails) in each app worker.
    jobs_worker: bool = True
    #: Days a processed inbox payload, a delivered outbox body and a sent email are kept
    #: before the jobs loop empties them (long enough to look into a problem, no longer).
    message_retention_days: int = 30
    #: PostgreSQL: seconds to open a connection, to run one statement (the server cancels it;
    #: the client gives up a second later on a server that does not answer at all), and to
    #: wait for a free pooled connection; connections kept per worker (as many again in bursts).
    db_connect_timeout_s: float = 3.0
    db_statement_timeout_s: float = 5.0
    db_pool_timeout_s: float = 3.0
    db_pool_size: int = 10
    #: Redis: seconds to connect, to get an answer and to wait for a free pooled connection;
    #: connections per worker (a blocking pool: a burst waits, it does not fail).
    redis_timeout_s: float = 2.0
    redis_max_connections: int = 64
    #: A staff import of more data rows than this runs as a job (202 and a status URL); 0:
    #: every import through the API or the pages does.
    staff_import_inline_rows: int = 5000
    #: The bearer token a Prometheus scrape of ``/metrics`` must send; None: no metrics served.
    metrics_token: str | None = None
    #: Rate limits, ``<count>/<second|minute|hour>`` or ``off``: requests per org API token, per
    #: member session, per peer node (inbox messages and feed pages), and sign-in starts per
    #: client address. Counted in Redis, so they hold across every worker of the node.
    rate_limit_token: str = "1200/minute"  # noqa: S105 - a rate, not a secret
    rate_limit_session: str = "600/minute"
    rate_limit_peer: str = "3000/minute"
    rate_limit_sign_in: str = "30/minute"

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(Exception):
    """Raised with one line per problem, each naming the variable at fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgresql://`` spelling and pick the async driver for it."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


class _Parse(Protocol):
    def __call__(self, text: str, *, prod: bool) -> object: ...


class _Refused(ValueError):
    """A variable's text is not a valid value; the message says what it must be."""


@dataclass(frozen=True)
class _Field:
    """One setting read from ``MENTORNET_<NAME>``: unset means the :class:`Settings` default,
    unless prod requires it (``prod_needs`` says what to give). ``parse`` turns the stripped
    text into the value, or raises :class:`_Refused`; ``prod`` is for checks that only prod
    makes."""

    name: str
    parse: _Parse
    prod_needs: str = ""

    @property
    def variable(self) -> str:
        return f"MENTORNET_{self.name.upper()}"


def _database_url(text: str, *, prod: bool) -> str:
    url = normalise_database_url(text)
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        raise _Refused("must be a postgresql:// or sqlite:/// URL")
    if prod and url.startswith("sqlite"):
        raise _Refused("SQLite is for the demo only; use PostgreSQL")
    return url


def _redis_url(text: str, *, prod: bool) -> str:
    if not text.startswith(("redis://", "rediss://", "unix://")):
        raise _Refused("must be a redis://, rediss:// or unix:// URL")
    return text


def _secret_key(text: str, *, prod: bool) -> str:
    if prod and (len(text.encode()) < MIN_SECRET_BYTES or text == DEV_SECRET_KEY):
        raise _Refused(
            f"too weak; use at least {MIN_SECRET_BYTES} random bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    return text


def _base_url(text: str, *, prod: bool) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Refused("must be an absolute http(s):// URL")
    if prod and parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
        raise _Refused("must use https:// in prod")
    return text.rstrip("/")


def _max_body_bytes(text: str, *, prod: bool) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1024:
        raise _Refused("must be an integer ≥ 1024")
    return value


def _log_level(text: str, *, prod: bool) -> str:
    level = text.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise _Refused("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _node_name(text: str, *, prod: bool) -> str:
    if len(text) > 200:
        raise _Refused("at most 200 characters")
    return text


def _on_off(text: str, *, prod: bool) -> bool:
    if text.lower() not in ("on", "off"):
        raise _Refused("must be 'on' or 'off'")
    return text.lower() == "on"


def _smtp_url(text: str, *, prod: bool) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise _Refused("must be an smtp:// or smtps:// URL with a host")
    return text


def _metrics_token(text: str, *, prod: bool) -> str:
    # A bearer token's own characters (RFC 6750 b64token), so it fits in an Authorization header.
    if not _BEARER_TOKEN.fullmatch(text):
        raise _Refused(
            f"must be at least {MIN_SECRET_BYTES} of A-Z a-z 0-9 - . _ ~ + / = "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return text


_RATE = re.compile(r"([1-9][0-9]{0,6})/(second|minute|hour)")


def _rate(text: str, *, prod: bool) -> str:
    rate = text.lower().replace(" ", "")
    if rate != "off" and not _RATE.fullmatch(rate):
        raise _Refused("must be <count>/second, <count>/minute, <count>/hour or off")
    return rate


def _seconds(largest: float) -> _Parse:
    def parse(text: str, *, prod: bool) -> float:
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not 0.1 <= value <= largest:  # NaN fails this too
            raise _Refused(f"must be a number of seconds from 0.1 to {largest:g}")
        return value

    return parse


def _count(largest: int, smallest: int = 1) -> _Parse:
    def parse(text: str, *, prod: bool) -> int:
        try:
            value = int(text)
        except ValueError:
            value = smallest - 1
        if not smallest <= value <= largest:
            raise _Refused(f"must be an integer from {smallest} to {largest}")
        return value

    return parse


#: Every setting but ``env``, in the order problems are reported.
_FIELDS: tuple[_Field, ...] = (
    _Field("database_url", _database_url, prod_needs="a postgresql:// URL"),
    _Field("redis_url", _redis_url, prod_needs="e.g. redis://127.0.0.1:6379/0"),
    _Field("secret_key", _secret_key, prod_needs=f"at least {MIN_SECRET_BYTES} random bytes"),
    _Field("base_url", _base_url, prod_needs="the node's public https:// URL"),
    _Field("max_body_bytes", _max_body_bytes),
    _Field("body_timeout_s", _seconds(600)),
    _Field("log_level", _log_level),
    _Field("node_name", _node_name),
    _Field("outbox_worker", _on_off),
    _Field("feed_interval_s", _seconds(86_400)),
    _Field("feed_pull_lock", _on_off),
    _Field("smtp_url", _smtp_url),
    _Field("jobs_worker", _on_off),
    _Field("message_retention_days", _count(MAX_RETENTION_DAYS)),
    _Field("db_connect_timeout_s", _seconds(60)),
    _Field("db_statement_timeout_s", _seconds(600)),
    _Field("db_pool_timeout_s", _seconds(60)),
    _Field("db_pool_size", _count(1000)),
    _Field("redis_timeout_s", _seconds(60)),
    _Field("redis_max_connections", _count(10_000)),
    _Field("staff_import_inline_rows", _count(1_000_000, smallest=0)),
    _Field("metrics_token", _metrics_token),
    _Field("rate_limit_token", _rate),
    _Field("rate_limit_session", _rate),
    _Field("rate_limit_peer", _rate),
    _Field("rate_limit_sign_in", _rate),
)


def _text(environ: Mapping[str, str], variable: str) -> str | None:
    value = (environ.get(variable) or "").strip()
    return value or None


def _environment(environ: Mapping[str, str], problems: list[str]) -> Environment:
    env = _text(environ, "MENTORNET_ENV") or "dev"
    if env == "dev":
        return "dev"
    if env != "prod":
        problems.append(f"MENTORNET_ENV: must be 'dev' or 'prod', got {env!r}")
    return "prod"  # an unknown environment is judged by the stricter rules


def _read(field: _Field, environ: Mapping[str, str], *, prod: bool) -> object:
    """The field's value, None to keep the default; raises :class:`_Refused`."""
    text = _text(environ, field.variable)
    if text is None:
        if prod and field.prod_needs:
            raise _Refused(f"required in prod ({field.prod_needs})")
        return None
    return field.parse(text, prod=prod)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build the settings from ``environ``; in prod, refuse anything missing or weak."""
    problems: list[str] = []
    env = _environment(environ, problems)
    values: dict[str, object] = {"env": env}
    for field in _FIELDS:
        try:
            value = _read(field, environ, prod=env == "prod")
        except _Refused as refused:
            problems.append(f"{field.variable}: {refused}")
            continue
        if value is not None:
            values[field.name] = value
    if problems:
        raise SettingsError(problems)
    return msgspec.convert(values, Settings)


def to_environ(settings: Settings) -> dict[str, str]:
    """The ``MENTORNET_*`` variables that :func:`load_settings` reads back as ``settings``:
    how one process hands its settings to a node it starts (the demo's, the tests')."""
    environ: dict[str, str] = {"MENTORNET_ENV": settings.env}
    for field in _FIELDS:
        value = getattr(settings, field.name)
        if isinstance(value, bool):
            environ[field.variable] = "on" if value else "off"
        elif value is not None:
            environ[field.variable] = str(value)
    return environ
