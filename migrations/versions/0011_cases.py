"""joint cases: cases, their timeline, the per-department notice counters, the
keys that seal tip-off reporters (first key made here)

Revision ID: 0011_cases
Revises: 0010_trusted_documents
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011_cases"
down_revision: str | None = "0010_trusted_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("opened_by_department", sa.String(length=40), nullable=False),
        sa.Column("responsible", sa.String(length=40), nullable=False),
        sa.Column("assigned_to", sa.String(length=40), nullable=False),
        sa.Column("referred_by", sa.String(length=40), nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("involved", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
    )
    for column in ("kind", "status", "credit_code", "region", "assigned_to"):
        op.create_index(op.f(f"ix_cases_{column}"), "cases", [column])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"])
    op.create_table(
        "case_counters",
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department", "year", name=op.f("pk_case_counters")),
    )
    keys = op.create_table(
        "case_reporter_keys",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_case_reporter_keys")),
    )
    # The first key is made here, as the access log's pseudonym key is: no tip-off
    # is ever stored without one to seal its reporter.
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
    op.drop_table("case_reporter_keys")
    op.drop_table("case_counters")
    op.drop_index(op.f("ix_case_events_case_id"), table_name="case_events")
    op.drop_table("case_events")
    for column in ("kind", "status", "credit_code", "region", "assigned_to"):
        op.drop_index(op.f(f"ix_cases_{column}"), table_name="cases")
    op.drop_table("cases")
