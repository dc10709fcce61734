"""networks: every member node's copy of each network's record, version by version

Revision ID: 0015_networks_records
Revises: 0014_perorg_own_rules
Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orgs.db

revision: str = "0015_networks_records"
down_revision: str | None = "0014_perorg_own_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "network_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("network_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.String(length=43), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("change", JSON, nullable=False),
        sa.Column("signed", sa.Text(), nullable=False),
        sa.Column("applied_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_versions")),
        sa.UniqueConstraint(
            "network_id", "version", name=op.f("uq_network_versions_network_id_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("network_versions")
