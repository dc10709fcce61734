"""candidate stamps: counters the database moves when what suggestions are built from changes

Revision ID: 0012_candidate_stamps
Revises: 0011_federation_seen_requests
Create Date: 2026-12-02 15:10:00.000000

On PostgreSQL a deferred constraint trigger per watched table (``orgs.pairing.stamps.WATCHED``)
bumps ``candidate_stamps`` at commit, once per (kind, org) and transaction. SQLite gets the
table only: without triggers the node caches no candidate index there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_candidate_stamps"
down_revision: str | None = "0011_federation_seen_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration keeps meaning what it meant when it was written.
WATCHED: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "mentor_profiles": ("people", None),
    "members": (
        "people",
        ("status", "given_name", "family_name", "job_title", "department", "org_id"),
    ),
    "applications": ("people", ("state", "role", "scheme_id", "member_id", "org_id")),
    "schemes": ("people", ("ends_on", "kind", "org_id")),
    "mentoring_relationships": ("capacity", ("state", "mentor_id", "org_id")),
    "federation_remote_cards": ("remote", None),
    "peers": ("remote", None),
}

TOUCH = """
CREATE FUNCTION candidate_stamp_touch(stamp_kind text, stamp_org uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'mentornet_stamps.' || stamp_kind || '_' || replace(stamp_org::text, '-', '');
BEGIN
    -- once per (kind, org) and transaction: the bump already covers all of its writes
    IF current_setting(flag, true) = 'on' THEN
        RETURN;
    END IF;
    PERFORM set_config(flag, 'on', true);
    INSERT INTO candidate_stamps (kind, org_id, version) VALUES (stamp_kind, stamp_org, 1)
    ON CONFLICT (kind, org_id) DO UPDATE SET version = candidate_stamps.version + 1;
END $$;
"""

BUMP = """
CREATE FUNCTION candidate_stamp_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'remote' THEN
        PERFORM candidate_stamp_touch('remote', '00000000-0000-0000-0000-000000000000');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM candidate_stamp_touch(TG_ARGV[0], OLD.org_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM candidate_stamp_touch(TG_ARGV[0], NEW.org_id);
    END IF;
    RETURN NULL;
END $$;
"""


def trigger(table: str, kind: str, columns: tuple[str, ...] | None) -> str:
    update = "UPDATE" if columns is None else "UPDATE OF " + ", ".join(columns)
    return (
        f"CREATE CONSTRAINT TRIGGER candidate_stamp_{table} "
        f"AFTER INSERT OR DELETE OR {update} ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION candidate_stamp_bump('{kind}')"
    )


def upgrade() -> None:
    op.create_table(
        "candidate_stamps",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "org_id", name=op.f("pk_candidate_stamps")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(TOUCH)
    op.execute(BUMP)
    for table, (kind, columns) in WATCHED.items():
        op.execute(trigger(table, kind, columns))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER candidate_stamp_{table} ON {table}")
        op.execute("DROP FUNCTION candidate_stamp_bump()")
        op.execute("DROP FUNCTION candidate_stamp_touch(text, uuid)")
    op.drop_table("candidate_stamps")
