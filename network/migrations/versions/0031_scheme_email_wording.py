"""a scheme's own wording of the emails it sends (subject and opening paragraph, issue 17.5)

Revision ID: 0031_scheme_email_wording
Revises: 0030_shared_extensions
Create Date: 2026-12-04 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orgs.db

revision: str = "0031_scheme_email_wording"
down_revision: str | None = "0030_shared_extensions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration keeps meaning what it meant when it was written.
EMAILS = (
    "approval_needed",
    "approved",
    "declined",
    "place_offered",
    "match_proposed",
    "request_accepted",
)


def upgrade() -> None:
    op.create_table(
        "scheme_email_wordings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column(
            "email",
            sa.Enum(*EMAILS, name="schemeemail", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("opening", sa.Text(), nullable=False),
        sa.Column("updated_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_scheme_email_wordings_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_scheme_email_wordings_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_email_wordings")),
        sa.UniqueConstraint(
            "scheme_id", "email", name=op.f("uq_scheme_email_wordings_scheme_id_email")
        ),
    )
    for column in ("org_id", "scheme_id"):
        op.create_index(
            op.f(f"ix_scheme_email_wordings_{column}"),
            "scheme_email_wordings",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("scheme_id", "org_id"):
        op.drop_index(
            op.f(f"ix_scheme_email_wordings_{column}"), table_name="scheme_email_wordings"
        )
    op.drop_table("scheme_email_wordings")
