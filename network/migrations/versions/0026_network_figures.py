"""network reports: each member organisation's latest figures for each network

Revision ID: 0026_network_figures
Revises: 0025_events
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orgs.db

revision: str = "0026_network_figures"
down_revision: str | None = "0025_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "network_figures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("network_id", sa.String(length=64), nullable=False),
        sa.Column("org_ref", sa.String(length=300), nullable=False),
        sa.Column("as_of", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("figures", JSON, nullable=False),
        sa.Column("signed", sa.Text(), nullable=False),
        sa.Column("received_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_figures")),
        sa.UniqueConstraint(
            "network_id", "org_ref", name=op.f("uq_network_figures_network_id_org_ref")
        ),
    )


def downgrade() -> None:
    op.drop_table("network_figures")
