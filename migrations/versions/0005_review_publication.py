"""review publication signed by the hub; the signer's region on each signature

``annual_reviews`` gains who published it and the hub's JWS over the publication
(digest, status, time, publisher, opener), so relabelling, backdating or
un-publishing a review fails offline verification. ``review_signatures`` gains the
signer's region, which decides who else of its department may revoke it; the
0003 trigger that keeps a signature's content unchanged now covers it too.

Revision ID: 0005_review_publication
Revises: 0004_audit_checkpoints
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_review_publication"
down_revision: str | None = "0004_audit_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "a review signature never changes: it can only be revoked, once"
PUBLISHED = "annual review is published and immutable"
NEVER_DELETED = "review signatures are never deleted"
_CONTENT = (
    "id",
    "review_id",
    "department",
    "signer",
    "conclusion",
    "findings",
    "signed_at",
    "jws",
)


def _sqlite_revoke_only(content: Sequence[str]) -> str:
    return f"""
        CREATE TRIGGER review_signatures_revoke_only
        BEFORE UPDATE ON review_signatures
        WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in content)}
            OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""


def _postgres_append_only(content: Sequence[str]) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION review_signatures_append_only() RETURNS trigger AS $$
        DECLARE
            review_status text;
        BEGIN
            IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
                RAISE EXCEPTION '{NEVER_DELETED}'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            SELECT status INTO review_status FROM annual_reviews
                WHERE id = NEW.review_id FOR SHARE;
            IF review_status = 'PUBLISHED' THEN
                RAISE EXCEPTION '{PUBLISHED}: %', NEW.review_id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'UPDATE' AND (
                ({", ".join(f"NEW.{c}" for c in content)})
                    IS DISTINCT FROM ({", ".join(f"OLD.{c}" for c in content)})
                OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
            ) THEN
                RAISE EXCEPTION '{APPEND_ONLY}'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql"""


def _keep_content(content: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS review_signatures_revoke_only")
        op.execute(_sqlite_revoke_only(content))
    else:
        op.execute(_postgres_append_only(content))


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite keeps the tables' triggers.
    op.add_column("annual_reviews", sa.Column("published_by", sa.String(200), nullable=True))
    op.add_column(
        "annual_reviews", sa.Column("published_by_department", sa.String(40), nullable=True)
    )
    op.add_column("annual_reviews", sa.Column("publication_jws", sa.Text(), nullable=True))
    op.add_column("review_signatures", sa.Column("signer_region", sa.String(6), nullable=True))
    _keep_content((*_CONTENT, "signer_region"))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite cannot drop a column that a trigger names: drop the trigger first.
        op.execute("DROP TRIGGER IF EXISTS review_signatures_revoke_only")
    else:
        op.execute(_postgres_append_only(_CONTENT))
    op.drop_column("review_signatures", "signer_region")
    if sqlite:
        op.execute(_sqlite_revoke_only(_CONTENT))
    for column in ("publication_jws", "published_by_department", "published_by"):
        op.drop_column("annual_reviews", column)
