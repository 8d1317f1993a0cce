"""audit pseudonym keys: keyed HMAC of ID numbers in the access log, first key made here

Revision ID: 0006_audit_pseudonym_keys
Revises: 0005_review_publication
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006_audit_pseudonym_keys"
down_revision: str | None = "0005_review_publication"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    keys = op.create_table(
        "audit_pseudonym_keys",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_audit_pseudonym_keys")),
    )
    # The first key is made by `xietong migrate` itself: no event is ever logged
    # without one, and no operator step can be forgotten.
    op.bulk_insert(
        keys,
        [
            {
                "kid": secrets.token_hex(8),
                "secret": secrets.token_hex(32),
                "created_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("audit_pseudonym_keys")
