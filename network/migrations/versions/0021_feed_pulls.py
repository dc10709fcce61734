"""feed pulls: a producer's stamp of what feeds are built from, each consumer's last build,
and when each peer's feed was last attempted (one pull per peer per node, issue 15.3)

Revision ID: 0021_feed_pulls
Revises: 0027_follow_ups
Create Date: 2026-12-03 07:40:00.000000

On PostgreSQL a deferred constraint trigger per table a card is built from bumps the node-wide
``feed`` row of ``candidate_stamps`` at commit (the functions of 0013), so a consumer's card
set is computed again only after one of them changed. SQLite gets the columns and the table
only: without triggers every page builds the set afresh, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orgs.db

revision: str = "0021_feed_pulls"
down_revision: str | None = "0027_follow_ups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration keeps meaning what it meant when it was written.
# Mentors, their clearance, their orgs' policies and k, the consumers' hosted orgs, the secret:
# each table with the columns whose UPDATE counts (None: any column). A sign-in or a key
# rotation moves no card, so it builds no feed again.
FEED_INPUTS: dict[str, tuple[str, ...] | None] = {
    "mentor_profiles": None,
    "members": ("status", "org_id"),
    "applications": ("state", "role", "scheme_id", "member_id"),
    "schemes": None,
    "orgs": ("slug", "settings"),
    "peers": None,
    "node_identity": ("handle_secret",),
}


def trigger(table: str, columns: tuple[str, ...] | None) -> str:
    update = "UPDATE" if columns is None else "UPDATE OF " + ", ".join(columns)
    return (
        f"CREATE CONSTRAINT TRIGGER feed_stamp_{table} "
        f"AFTER INSERT OR DELETE OR {update} ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION candidate_stamp_bump('', 'feed')"
    )


def upgrade() -> None:
    op.add_column(
        "federation_feed_state",
        sa.Column("last_attempt_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "federation_feed_builds",
        sa.Column("consumer", sa.String(length=500), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.Column("built_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_federation_feed_builds")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in FEED_INPUTS.items():
        op.execute(trigger(table, columns))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in FEED_INPUTS:
            op.execute(f"DROP TRIGGER feed_stamp_{table} ON {table}")
    op.drop_table("federation_feed_builds")
    op.drop_column("federation_feed_state", "last_attempt_at")
