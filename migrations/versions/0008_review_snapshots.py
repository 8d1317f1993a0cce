"""review snapshots: what each signer saw of the joint record, signed with the signature

``review_signatures`` gains ``snapshot``, the canonical JSON of the checklist and the
risk assessment as the signer saw them (its digest is in the signature's JWS). The
trigger that keeps a signature's content unchanged covers it too: a snapshot is
never rewritten after signing.

Revision ID: 0008_review_snapshots
Revises: 0007_lesson_releases
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_review_snapshots"
down_revision: str | None = "0007_lesson_releases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The trigger bodies are 0005's, over a longer list of columns.
_0005 = importlib.import_module("xietong.migrations.versions.0005_review_publication")
_CONTENT_BEFORE = (*_0005._CONTENT, "signer_region")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite keeps the tables' triggers.
    op.add_column("review_signatures", sa.Column("snapshot", sa.Text(), nullable=True))
    _0005._keep_content((*_CONTENT_BEFORE, "snapshot"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column that a trigger names: drop the trigger first.
        op.execute("DROP TRIGGER IF EXISTS review_signatures_revoke_only")
        op.drop_column("review_signatures", "snapshot")
        op.execute(_0005._sqlite_revoke_only(_CONTENT_BEFORE))
    else:
        op.execute(_0005._postgres_append_only(_CONTENT_BEFORE))
        op.drop_column("review_signatures", "snapshot")
