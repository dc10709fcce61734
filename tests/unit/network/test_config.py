from __future__ import annotations

import pytest

from network.config import DEV_SECRET_KEY, Settings, SettingsError, load_settings, to_environ

STRONG = "s" * 40


def problems_of(environ: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    return caught.value.problems


def test_dev_needs_nothing_and_runs_on_sqlite_without_redis() -> None:
    settings = load_settings({})
    assert settings.env == "dev"
    assert settings.uses_sqlite
    assert settings.redis_url is None


def test_prod_without_secret_and_redis_names_both_variables_one_line_each() -> None:
    problems = problems_of(
        {
            "MENTORNET_ENV": "prod",
            "MENTORNET_DATABASE_URL": "postgresql://db/x",
            "MENTORNET_BASE_URL": "https://node.example",
        }
    )
    assert len(problems) == 2
    assert problems[0].startswith("MENTORNET_REDIS_URL:")
    assert problems[1].startswith("MENTORNET_SECRET_KEY:")


@pytest.mark.parametrize("secret", ["short", DEV_SECRET_KEY])
def test_prod_refuses_a_weak_secret(secret: str) -> None:
    problems = problems_of(
        {
            "MENTORNET_ENV": "prod",
            "MENTORNET_DATABASE_URL": "postgresql://db/x",
            "MENTORNET_REDIS_URL": "redis://r:6379/0",
            "MENTORNET_BASE_URL": "https://node.example",
            "MENTORNET_SECRET_KEY": secret,
        }
    )
    assert problems == [problems[0]]
    assert problems[0].startswith("MENTORNET_SECRET_KEY: too weak")


def test_prod_refuses_sqlite_and_plain_http() -> None:
    problems = problems_of(
        {
            "MENTORNET_ENV": "prod",
            "MENTORNET_DATABASE_URL": "sqlite:///x.db",
            "MENTORNET_REDIS_URL": "redis://r:6379/0",
            "MENTORNET_BASE_URL": "http://node.example",
            "MENTORNET_SECRET_KEY": STRONG,
        }
    )
    assert [p.split(":")[0] for p in problems] == [
        "MENTORNET_DATABASE_URL",
        "MENTORNET_BASE_URL",
    ]


def test_a_complete_prod_configuration_loads_with_the_async_driver() -> None:
    settings = load_settings(
        {
            "MENTORNET_ENV": "prod",
            "MENTORNET_DATABASE_URL": "postgresql://u@db:5432/mentornet",
            "MENTORNET_REDIS_URL": "redis://r:6379/0",
            "MENTORNET_BASE_URL": "https://node.example/",
            "MENTORNET_SECRET_KEY": STRONG,
        }
    )
    assert settings.is_prod
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/mentornet"
    assert settings.base_url == "https://node.example"


def test_unknown_environment_and_bad_numbers_are_named() -> None:
    problems = problems_of(
        {
            "MENTORNET_ENV": "staging",
            "MENTORNET_MAX_BODY_BYTES": "lots",
            "MENTORNET_BODY_TIMEOUT_S": "0",
        }
    )
    names = [p.split(":")[0] for p in problems]
    assert "MENTORNET_ENV" in names
    assert "MENTORNET_MAX_BODY_BYTES" in names
    assert "MENTORNET_BODY_TIMEOUT_S" in names


def test_message_retention_defaults_to_30_days_and_refuses_zero_or_words() -> None:
    assert load_settings({}).message_retention_days == 30
    assert load_settings({"MENTORNET_MESSAGE_RETENTION_DAYS": "90"}).message_retention_days == 90
    for bad in ("0", "-3", "a month", "3651"):
        (problem,) = problems_of({"MENTORNET_MESSAGE_RETENTION_DAYS": bad})
        assert problem.startswith("MENTORNET_MESSAGE_RETENTION_DAYS: must be an integer")


def test_settings_survive_the_trip_through_the_environment() -> None:
    settings = Settings(
        env="prod",
        database_url="postgresql+asyncpg://u@db:5432/mentornet",
        redis_url="redis://r:6379/0",
        base_url="https://node.example",
        secret_key=STRONG,
        max_body_bytes=4096,
        body_timeout_s=2.5,
        log_level="WARNING",
        node_name="MentorNet East Midlands",
        outbox_worker=False,
        smtp_url="smtp://127.0.0.1:1025",
        jobs_worker=False,
        message_retention_days=7,
        db_connect_timeout_s=1.5,
        db_statement_timeout_s=30.0,
        db_pool_timeout_s=0.5,
        db_pool_size=25,
        redis_timeout_s=0.25,
        redis_max_connections=200,
        staff_import_inline_rows=0,
    )
    assert load_settings(to_environ(settings)) == settings


def test_store_timeouts_and_pool_sizes_have_bounded_defaults() -> None:
    settings = load_settings({})
    assert (settings.db_connect_timeout_s, settings.db_statement_timeout_s) == (3.0, 5.0)
    assert (settings.db_pool_timeout_s, settings.db_pool_size) == (3.0, 10)
    assert (settings.redis_timeout_s, settings.redis_max_connections) == (2.0, 64)


def test_store_timeouts_and_pool_sizes_out_of_range_are_named_one_line_each() -> None:
    problems = problems_of(
        {
            "MENTORNET_DB_CONNECT_TIMEOUT_S": "0",
            "MENTORNET_DB_STATEMENT_TIMEOUT_S": "nan",
            "MENTORNET_DB_POOL_TIMEOUT_S": "soon",
            "MENTORNET_DB_POOL_SIZE": "2.5",
            "MENTORNET_REDIS_TIMEOUT_S": "inf",
            "MENTORNET_REDIS_MAX_CONNECTIONS": "0",
        }
    )
    assert [p.split(":")[0] for p in problems] == [
        "MENTORNET_DB_CONNECT_TIMEOUT_S",
        "MENTORNET_DB_STATEMENT_TIMEOUT_S",
        "MENTORNET_DB_POOL_TIMEOUT_S",
        "MENTORNET_DB_POOL_SIZE",
        "MENTORNET_REDIS_TIMEOUT_S",
        "MENTORNET_REDIS_MAX_CONNECTIONS",
    ]
    assert problems[3] == "MENTORNET_DB_POOL_SIZE: must be an integer from 1 to 1000"


def test_every_setting_has_its_variable() -> None:
    # A field added to Settings but not to the table of variables could not be configured.
    settings = Settings(
        redis_url="redis://r:6379/0", smtp_url="smtp://127.0.0.1:1025", metrics_token="m" * 32
    )
    assert set(to_environ(settings)) == {
        f"MENTORNET_{name.upper()}" for name in Settings.__struct_fields__
    }


def test_the_inline_import_limit_is_a_row_count() -> None:
    assert Settings().staff_import_inline_rows == 5000
    assert load_settings({"MENTORNET_STAFF_IMPORT_INLINE_ROWS": "0"}).staff_import_inline_rows == 0
    for bad in ("lots", "-1", "1000001"):
        problems = problems_of({"MENTORNET_STAFF_IMPORT_INLINE_ROWS": bad})
        assert [p.split(":")[0] for p in problems] == ["MENTORNET_STAFF_IMPORT_INLINE_ROWS"]


def test_the_metrics_token_is_off_unless_given_and_must_be_long_enough_for_a_bearer() -> None:
    assert load_settings({}).metrics_token is None
    token = "Abc-._~+/=" * 4
    assert load_settings({"MENTORNET_METRICS_TOKEN": token}).metrics_token == token
    for weak in ("short", "a b" * 20, "é" * 40):
        assert problems_of({"MENTORNET_METRICS_TOKEN": weak}) == [
            "MENTORNET_METRICS_TOKEN: must be at least 32 of A-Z a-z 0-9 - . _ ~ + / = "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        ]
