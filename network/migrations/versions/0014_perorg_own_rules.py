"""each organisation's own rules for its own person in a cross-organisation pair

Revision ID: 0014_perorg_own_rules
Revises: 0013_candidate_stamps
Create Date: 2026-12-02 18:10:00.000000

- ``counterpart_org`` on requests and relationships: the display name of the other party's
  organisation, which each person may see from the request on (the name and work email only
  after acceptance).
- ``release_warned_percent`` on relationships: the time-release warning last given (80, 100),
  so the job that warns a cross-organisation pair's people warns each threshold once.
- The mentor's side of an existing cross-organisation relationship gets the mentor's own
  scheme (the latest one they were approved to mentor in) and that scheme's budget, so its
  time release, evaluations and reports follow the mentor's organisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_perorg_own_rules"
down_revision: str | None = "0013_candidate_stamps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MENTOR_SCHEME = """
SELECT a.scheme_id FROM applications a
WHERE a.org_id = {table}.org_id AND a.member_id = {table}.mentor_id AND a.role = 'mentor'
  AND a.state IN ('approved', 'exception_granted')
ORDER BY a.created_at DESC LIMIT 1
"""

BACKFILL = """
UPDATE {table} SET scheme_id = ({mentor_scheme})
WHERE scheme_id IS NULL AND mentor_id IS NOT NULL AND remote_peer IS NOT NULL
"""

BUDGET = """
UPDATE mentoring_relationships SET
  time_release_hours = (SELECT s.time_release_hours FROM schemes s
                        WHERE s.id = mentoring_relationships.scheme_id),
  recommended_sessions = (SELECT s.recommended_sessions FROM schemes s
                          WHERE s.id = mentoring_relationships.scheme_id)
WHERE mentor_id IS NOT NULL AND remote_peer IS NOT NULL AND scheme_id IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("mentoring_requests") as batch:
        batch.add_column(
            sa.Column("counterpart_org", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("mentoring_relationships") as batch:
        batch.add_column(
            sa.Column("counterpart_org", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("release_warned_percent", sa.Integer(), nullable=False, server_default="0")
        )
    for table in ("mentoring_requests", "mentoring_relationships"):
        op.execute(BACKFILL.format(table=table, mentor_scheme=MENTOR_SCHEME.format(table=table)))
    # Until now the mentor's side never had a scheme, so every such row is one just filled.
    op.execute(BUDGET)


def downgrade() -> None:
    with op.batch_alter_table("mentoring_relationships") as batch:
        batch.drop_column("release_warned_percent")
        batch.drop_column("counterpart_org")
    with op.batch_alter_table("mentoring_requests") as batch:
        batch.drop_column("counterpart_org")
