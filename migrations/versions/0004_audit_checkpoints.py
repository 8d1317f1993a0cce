"""audit checkpoints: the hub's signed statements of the chain's head, append-only

Like ``audit_events`` (0001), the table refuses UPDATE and DELETE (and TRUNCATE on
PostgreSQL): a checkpoint is evidence handed to auditors, never rewritten.

Revision ID: 0004_audit_checkpoints
Revises: 0003_published_reviews_immutable
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_audit_checkpoints"
down_revision: str | None = "0003_published_reviews_immutable"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_checkpoints is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoints")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"""
                CREATE TRIGGER audit_checkpoints_no_{action.lower()}
                BEFORE {action} ON audit_checkpoints
                BEGIN
                    SELECT RAISE(ABORT, '{APPEND_ONLY}');
                END
                """
            )
        return
    op.execute(
        f"""
        CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{APPEND_ONLY}';
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_checkpoints_append_only
        BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only()
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_checkpoints_no_truncate
        BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoints_append_only()")
    op.drop_table("audit_checkpoints")
