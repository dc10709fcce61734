"""requests unique on (peer, ref, direction): both sides of a same-node request in one database

Two organisations on one node pair through the same messages as two nodes, delivered in-process:
the mentee's outgoing request and the mentor's incoming one are both rows of this database with
the same (peer, ref), told apart by their direction (issue 16.4). Old releases still run: the
constraint only widens.

Revision ID: 0020_samenode_request_sides
Revises: 0019_equality
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020_samenode_request_sides"
down_revision: str | None = "0019_equality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentoring_requests") as batch:
        batch.drop_constraint("uq_mentoring_requests_remote_peer_remote_ref", type_="unique")
        batch.create_unique_constraint(
            "uq_mentoring_requests_remote_peer_remote_ref_direction",
            ["remote_peer", "remote_ref", "direction"],
        )


def downgrade() -> None:
    with op.batch_alter_table("mentoring_requests") as batch:
        batch.drop_constraint(
            "uq_mentoring_requests_remote_peer_remote_ref_direction", type_="unique"
        )
        batch.create_unique_constraint(
            "uq_mentoring_requests_remote_peer_remote_ref", ["remote_peer", "remote_ref"]
        )
