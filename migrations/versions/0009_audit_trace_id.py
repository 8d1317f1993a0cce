"""audit trace id: each access-log event keeps its request's W3C trace id

Outside the hashed body (``xietong.kernel.store.UNHASHED``), so every event written
before this revision still verifies as it was.

Revision ID: 0009_audit_trace_id
Revises: 0008_review_snapshots
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_audit_trace_id"
down_revision: str | None = "0008_review_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("trace_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): rebuilding the table would lose its
    # append-only triggers.
    op.drop_column("audit_events", "trace_id")
