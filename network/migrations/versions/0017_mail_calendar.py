"""mail and calendar: a meeting's iCalendar SEQUENCE; emails rendered when sent

Revision ID: 0017_mail_calendar
Revises: 0016_outbox_peer_queue
Create Date: 2026-12-02 18:00:00.000000

``mentoring_meetings.sequence`` is the revision number its invitations carry (RFC 5545
§3.8.7.4): it goes up when the meeting is rescheduled or cancelled. ``email_outbox`` keeps what
an email says (its text, the page it links to, a digest's entries, a calendar object) and no
longer writes a rendered HTML body: the job renders both bodies when it sends, with the node's
public base URL, so every link is absolute. ``html`` stays (with a default) for the previous
release's workers during a rolling upgrade (expand now, contract in a later release).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_mail_calendar"
down_revision: str | None = "0016_outbox_peer_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("mentoring_meetings") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("email_outbox") as batch:
        batch.add_column(sa.Column("link", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("digest", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("calendar", sa.Text(), nullable=False, server_default=""))
        batch.alter_column("html", existing_type=sa.Text(), server_default="")


def downgrade() -> None:
    with op.batch_alter_table("email_outbox") as batch:
        batch.alter_column("html", existing_type=sa.Text(), server_default=None)
        batch.drop_column("calendar")
        batch.drop_column("digest")
        batch.drop_column("link")
    with op.batch_alter_table("mentoring_meetings") as batch:
        batch.drop_column("sequence")
