"""outbox peer queue: an index for reading one peer's queue in order

The delivery pass reads each peer's next due messages on their own (so one peer's backlog never
holds up another's); this index serves that read without scanning the peer's delivered history.

Revision ID: 0016_outbox_peer_queue
Revises: 0015_networks_records
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_outbox_peer_queue"
down_revision: str | None = "0015_networks_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_federation_outbox_peer_queue",
        "federation_outbox",
        ["peer", "status", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_federation_outbox_peer_queue", table_name="federation_outbox")
