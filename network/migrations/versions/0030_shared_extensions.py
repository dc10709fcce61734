"""shared extensions: an extension of a cross-organisation relationship is an item of the
shared record (its ``shared_ref``, common to both nodes), and a proposal can be declined
(issue 19.4)

Revision ID: 0030_shared_extensions
Revises: 0021_feed_pulls
Create Date: 2026-12-04 01:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orgs.db

revision: str = "0030_shared_extensions"
down_revision: str | None = "0021_feed_pulls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "relationship_extensions", sa.Column("shared_ref", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "relationship_extensions",
        sa.Column("declined_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("relationship_extensions", "declined_at")
    op.drop_column("relationship_extensions", "shared_ref")
