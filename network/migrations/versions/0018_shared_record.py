"""shared relationship record: versions, shared item refs, confirmation hashes, change log

Revision ID: 0016_shared_record
Revises: 0015_networks_records
Create Date: 2026-12-02 18:20:00.000000

One relationship across two organisations is one shared record, replicated between the
mentee's side (the authority) and the mentor's (the replica): ``orgs.mentoring.shared_record``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orgs.db

revision: str = "0016_shared_record"
down_revision: str | None = "0015_networks_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED_ITEMS = (
    "mentoring_meetings",
    "mentoring_objectives",
    "learning_log_entries",
    "shadowing_placements",
)


def upgrade() -> None:
    with op.batch_alter_table("mentoring_relationships") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("first_meeting_agreements") as batch:
        for name in ("mentee_confirmed_sha256", "mentor_confirmed_sha256"):
            batch.add_column(
                sa.Column(name, sa.String(length=43), server_default="", nullable=False)
            )
        batch.add_column(
            sa.Column("partner_code_of_conduct", sa.Text(), server_default="", nullable=False)
        )
    for table in SHARED_ITEMS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shared_ref", sa.String(length=32), nullable=True))
            batch.create_index(f"ix_{table}_shared_ref", ["shared_ref"], unique=False)
    with op.batch_alter_table("learning_log_entries") as batch:
        batch.alter_column("author_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "shared_record_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.String(length=64), nullable=True),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("op", sa.String(length=40), nullable=False),
        sa.Column("item_ref", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("created_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_shared_record_changes_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationships.id"],
            name=op.f("fk_shared_record_changes_relationship_id_mentoring_relationships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_record_changes")),
        sa.UniqueConstraint(
            "relationship_id",
            "change_id",
            name=op.f("uq_shared_record_changes_relationship_id_change_id"),
        ),
    )
    op.create_index(
        op.f("ix_shared_record_changes_org_id"), "shared_record_changes", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_shared_record_changes_relationship_id"),
        "shared_record_changes",
        ["relationship_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_shared_record_changes_relationship_id"), "shared_record_changes")
    op.drop_index(op.f("ix_shared_record_changes_org_id"), "shared_record_changes")
    op.drop_table("shared_record_changes")
    op.execute("DELETE FROM learning_log_entries WHERE author_id IS NULL")
    with op.batch_alter_table("learning_log_entries") as batch:
        batch.alter_column("author_id", existing_type=sa.Uuid(), nullable=False)
    for table in reversed(SHARED_ITEMS):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_shared_ref")
            batch.drop_column("shared_ref")
    with op.batch_alter_table("first_meeting_agreements") as batch:
        batch.drop_column("partner_code_of_conduct")
        batch.drop_column("mentor_confirmed_sha256")
        batch.drop_column("mentee_confirmed_sha256")
    with op.batch_alter_table("mentoring_relationships") as batch:
        batch.drop_column("version")
