"""lesson releases: the outbox of release instructions and the approved lessons per order

Revision ID: 0007_lesson_releases
Revises: 0006_audit_pseudonym_keys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_lesson_releases"
down_revision: str | None = "0006_audit_pseudonym_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "release_orders",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("lessons_bought", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("approved_lessons", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credit_code", "order_number", name=op.f("pk_release_orders")),
    )
    op.create_table(
        "release_instructions",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("instruction_id", sa.String(length=36), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("first_lesson", sa.Integer(), nullable=False),
        sa.Column("lessons", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), nullable=True),
        sa.Column("refusal_code", sa.String(length=40), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_release_instructions")),
        sa.UniqueConstraint("instruction_id", name=op.f("uq_release_instructions_instruction_id")),
        sa.UniqueConstraint(
            "client_id",
            "idempotency_key",
            "order_number",
            name=op.f("uq_release_instructions_client_id_idempotency_key_order_number"),
        ),
    )
    op.create_index(
        "ix_release_instructions_pending",
        "release_instructions",
        ["status", "credit_code", "order_number"],
    )
    op.create_index(
        "ix_release_instructions_institution", "release_instructions", ["credit_code", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_release_instructions_institution", table_name="release_instructions")
    op.drop_index("ix_release_instructions_pending", table_name="release_instructions")
    op.drop_table("release_instructions")
    op.drop_table("release_orders")
