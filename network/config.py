"""The node's settings: one object, read once from ``MENTORNET_*`` environment variables.

Only :func:`load_settings` looks at the environment, and only the composition roots
(``network.app.create_app`` when given no settings, and the CLI) call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

Environment = Literal["dev", "prod"]

#: Used only in dev so that the demo starts with no setup; production refuses it.
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-use!"  # noqa: S105
MIN_SECRET_BYTES = 32
DEFAULT_DEV_DATABASE = Path("var") / "mentornet-dev.db"


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
    #: Where notification emails go: ``smtp://[user:password@]host:port[?from=addr]``
    #: (``smtps://`` for implicit TLS, ``?starttls=1`` to upgrade). None: emails wait unsent.
    smtp_url: str | None = None
    #: Run the mentoring jobs (expiry, reminders, auto-closure, emails) in each app worker.
    jobs_worker: bool = True

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


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build the settings from ``environ``; in prod, refuse anything missing or weak."""
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = environ.get(f"MENTORNET_{name}")
        return value.strip() if value is not None and value.strip() else None

    env = get("ENV") or "dev"
    if env not in ("dev", "prod"):
        problems.append(f"MENTORNET_ENV: must be 'dev' or 'prod', got {env!r}")
        env = "prod"  # judge the rest by the stricter rules
    prod = env == "prod"

    database_url = get("DATABASE_URL")
    if database_url is None and prod:
        problems.append("MENTORNET_DATABASE_URL: required in prod (a postgresql:// URL)")
    elif database_url is not None:
        database_url = normalise_database_url(database_url)
        if not database_url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
            problems.append("MENTORNET_DATABASE_URL: must be a postgresql:// or sqlite:/// URL")
        elif prod and database_url.startswith("sqlite"):
            problems.append("MENTORNET_DATABASE_URL: SQLite is for the demo only; use PostgreSQL")

    redis_url = get("REDIS_URL")
    if redis_url is None and prod:
        problems.append("MENTORNET_REDIS_URL: required in prod (e.g. redis://127.0.0.1:6379/0)")
    elif redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("MENTORNET_REDIS_URL: must be a redis://, rediss:// or unix:// URL")

    secret_key = get("SECRET_KEY")
    if secret_key is None and prod:
        problems.append(
            f"MENTORNET_SECRET_KEY: required in prod (at least {MIN_SECRET_BYTES} random bytes)"
        )
    elif (
        prod
        and secret_key is not None
        and (len(secret_key.encode()) < MIN_SECRET_BYTES or secret_key == DEV_SECRET_KEY)
    ):
        problems.append(
            f"MENTORNET_SECRET_KEY: too weak; use at least {MIN_SECRET_BYTES} random bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )

    base_url = get("BASE_URL")
    if base_url is None and prod:
        problems.append("MENTORNET_BASE_URL: required in prod (the node's public https:// URL)")
    elif base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append("MENTORNET_BASE_URL: must be an absolute http(s):// URL")
        elif prod and parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
            problems.append("MENTORNET_BASE_URL: must use https:// in prod")
        base_url = base_url.rstrip("/")

    defaults = Settings()
    max_body = get("MAX_BODY_BYTES")
    max_body_bytes = defaults.max_body_bytes
    if max_body is not None:
        try:
            max_body_bytes = int(max_body)
            if max_body_bytes < 1024:
                raise ValueError
        except ValueError:
            problems.append("MENTORNET_MAX_BODY_BYTES: must be an integer ≥ 1024")

    body_timeout = get("BODY_TIMEOUT_S")
    body_timeout_s = defaults.body_timeout_s
    if body_timeout is not None:
        try:
            body_timeout_s = float(body_timeout)
            if not 0.1 <= body_timeout_s <= 600:
                raise ValueError
        except ValueError:
            problems.append("MENTORNET_BODY_TIMEOUT_S: must be a number of seconds, 0.1 to 600")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append("MENTORNET_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR")

    node_name = get("NODE_NAME") or defaults.node_name
    if len(node_name) > 200:
        problems.append("MENTORNET_NODE_NAME: at most 200 characters")

    outbox_worker = (get("OUTBOX_WORKER") or "on").lower()
    if outbox_worker not in ("on", "off"):
        problems.append("MENTORNET_OUTBOX_WORKER: must be 'on' or 'off'")

    smtp_url = get("SMTP_URL")
    if smtp_url is not None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            problems.append("MENTORNET_SMTP_URL: must be an smtp:// or smtps:// URL with a host")

    jobs_worker = (get("JOBS_WORKER") or "on").lower()
    if jobs_worker not in ("on", "off"):
        problems.append("MENTORNET_JOBS_WORKER: must be 'on' or 'off'")

    if problems:
        raise SettingsError(problems)

    return Settings(
        env="prod" if prod else "dev",
        database_url=database_url or defaults.database_url,
        redis_url=redis_url,
        base_url=base_url or defaults.base_url,
        secret_key=secret_key or defaults.secret_key,
        max_body_bytes=max_body_bytes,
        body_timeout_s=body_timeout_s,
        log_level=log_level,
        node_name=node_name,
        outbox_worker=outbox_worker == "on",
        smtp_url=smtp_url,
        jobs_worker=jobs_worker == "on",
    )


def to_environ(settings: Settings) -> dict[str, str]:
    """The ``MENTORNET_*`` variables that :func:`load_settings` reads back as ``settings``:
    how one process hands its settings to a node it starts (the demo's, the tests')."""
    environ = {
        "MENTORNET_ENV": settings.env,
        "MENTORNET_DATABASE_URL": settings.database_url,
        "MENTORNET_BASE_URL": settings.base_url,
        "MENTORNET_SECRET_KEY": settings.secret_key,
        "MENTORNET_MAX_BODY_BYTES": str(settings.max_body_bytes),
        "MENTORNET_BODY_TIMEOUT_S": repr(settings.body_timeout_s),
        "MENTORNET_LOG_LEVEL": settings.log_level,
        "MENTORNET_NODE_NAME": settings.node_name,
        "MENTORNET_OUTBOX_WORKER": "on" if settings.outbox_worker else "off",
        "MENTORNET_JOBS_WORKER": "on" if settings.jobs_worker else "off",
    }
    if settings.redis_url:
        environ["MENTORNET_REDIS_URL"] = settings.redis_url
    if settings.smtp_url:
        environ["MENTORNET_SMTP_URL"] = settings.smtp_url
    return environ
