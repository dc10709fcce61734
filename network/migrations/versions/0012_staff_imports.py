"""staff imports: large HR exports queued as jobs, their progress and their reports

Revision ID: 0012_staff_imports
Revises: 0011_federation_seen_requests
Create Date: 2026-12-02 14:31:12.136731
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orgs.db

revision: str = "0012_staff_imports"
down_revision: str | None = "0011_federation_seen_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="importstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column(
            "columns",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_checked", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column(
            "report",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.Uuid(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_staff_imports_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_staff_imports_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_imports")),
    )
    op.create_index(op.f("ix_staff_imports_org_id"), "staff_imports", ["org_id"], unique=False)
    op.create_index(
        "ix_staff_imports_state_created_at", "staff_imports", ["state", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_staff_imports_state_created_at", table_name="staff_imports")
    op.drop_index(op.f("ix_staff_imports_org_id"), table_name="staff_imports")
    op.drop_table("staff_imports")
