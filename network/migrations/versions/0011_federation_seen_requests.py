"""federation seen requests: the durable replay memory of signed GET requests

Revision ID: 0011_federation_seen_requests
Revises: 0010_cohort_runs
Create Date: 2026-12-02 14:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orgs.db

revision: str = "0011_federation_seen_requests"
down_revision: str | None = "0010_cohort_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_seen_requests",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "jti", name=op.f("pk_federation_seen_requests")),
    )
    op.create_index(
        op.f("ix_federation_seen_requests_expires_at"),
        "federation_seen_requests",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_federation_seen_requests_expires_at"), table_name="federation_seen_requests"
    )
    op.drop_table("federation_seen_requests")
