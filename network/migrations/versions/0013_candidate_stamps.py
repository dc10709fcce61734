"""candidate stamps: counters the database moves when what suggestions are built from changes

Revision ID: 0013_candidate_stamps
Revises: 0012_staff_imports
Create Date: 2026-12-02 15:10:00.000000

On PostgreSQL a deferred constraint trigger per watched table (``orgs.pairing.stamps.WATCHED``)
bumps ``candidate_stamps`` at commit, once per (kind, org) and transaction. SQLite gets the
table only: without triggers the node caches no candidate index there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_candidate_stamps"
down_revision: str | None = "0012_staff_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration keeps meaning what it meant when it was written.
# table: (column naming the org, or None: node-wide; kinds bumped; columns whose UPDATE counts)
BOTH = ("people", "mentees")
WATCHED: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...] | None]] = {
    "mentor_profiles": ("org_id", BOTH, None),
    "members": (
        "org_id",
        BOTH,
        ("status", "given_name", "family_name", "job_title", "department", "manager_id"),
    ),
    "applications": ("org_id", BOTH, ("state", "role", "scheme_id", "member_id")),
    "schemes": ("org_id", BOTH, None),
    "mentee_profiles": ("org_id", ("mentees",), None),
    "never_again_pairs": ("org_id", ("mentees",), None),
    "orgs": ("id", ("mentees",), ("name", "settings")),
    "mentoring_relationships": ("org_id", ("capacity",), ("state", "mentor_id")),
    "federation_remote_cards": (None, ("remote",), None),
    "peers": (None, ("remote",), None),
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

# Arguments: the column naming the org ('' for node-wide), then the kinds to bump. An UPDATE
# bumps the org of the old row and of the new one (the same org, but it costs nothing to ask).
BUMP = """
CREATE FUNCTION candidate_stamp_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    orgs uuid[] := ARRAY[]::uuid[];
    org uuid;
BEGIN
    IF TG_ARGV[0] = '' THEN
        orgs := ARRAY['00000000-0000-0000-0000-000000000000'::uuid];
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            orgs := orgs || (to_jsonb(OLD) ->> TG_ARGV[0])::uuid;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            orgs := orgs || (to_jsonb(NEW) ->> TG_ARGV[0])::uuid;
        END IF;
    END IF;
    FOREACH org IN ARRAY orgs LOOP
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            PERFORM candidate_stamp_touch(TG_ARGV[i], org);
        END LOOP;
    END LOOP;
    RETURN NULL;
END $$;
"""


def trigger(
    table: str, org: str | None, kinds: tuple[str, ...], columns: tuple[str, ...] | None
) -> str:
    update = "UPDATE" if columns is None else "UPDATE OF " + ", ".join(columns)
    arguments = ", ".join(f"'{value}'" for value in (org or "", *kinds))
    return (
        f"CREATE CONSTRAINT TRIGGER candidate_stamp_{table} "
        f"AFTER INSERT OR DELETE OR {update} ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION candidate_stamp_bump({arguments})"
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
    for table, (org, kinds, columns) in WATCHED.items():
        op.execute(trigger(table, org, kinds, columns))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER candidate_stamp_{table} ON {table}")
        op.execute("DROP FUNCTION candidate_stamp_bump()")
        op.execute("DROP FUNCTION candidate_stamp_touch(text, uuid)")
    op.drop_table("candidate_stamps")
