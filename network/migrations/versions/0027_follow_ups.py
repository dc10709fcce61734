"""follow-up questionnaires months after a relationship ends, and their per-scheme settings
(issue 19 item 5)

Revision ID: 0027_follow_ups
Revises: 0026_network_figures
Create Date: 2026-12-03 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orgs.db

revision: str = "0027_follow_ups"
down_revision: str | None = "0026_network_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "follow_up_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("months_after", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_follow_up_settings_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_follow_up_settings_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_settings")),
        sa.UniqueConstraint("scheme_id", name=op.f("uq_follow_up_settings_scheme_id")),
    )
    op.create_index(
        op.f("ix_follow_up_settings_org_id"), "follow_up_settings", ["org_id"], unique=False
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=True),
        sa.Column("respondent_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declined_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("happened", JSON, nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_follow_ups_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationships.id"],
            name=op.f("fk_follow_ups_relationship_id_mentoring_relationships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["members.id"],
            name=op.f("fk_follow_ups_respondent_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_follow_ups_scheme_id_schemes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint(
            "relationship_id",
            "respondent_id",
            name=op.f("uq_follow_ups_relationship_id_respondent_id"),
        ),
    )
    for column in ("org_id", "relationship_id", "respondent_id", "scheme_id"):
        op.create_index(op.f(f"ix_follow_ups_{column}"), "follow_ups", [column], unique=False)


def downgrade() -> None:
    for column in ("scheme_id", "respondent_id", "relationship_id", "org_id"):
        op.drop_index(op.f(f"ix_follow_ups_{column}"), table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_index(op.f("ix_follow_up_settings_org_id"), table_name="follow_up_settings")
    op.drop_table("follow_up_settings")
