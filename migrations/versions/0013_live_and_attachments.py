"""live notice and inspection attachments: the risk level last announced per
institution, overdue referrals announced, the sweeps' lease, attachment bytes by
SHA-256 and each case's attachments

Revision ID: 0013_live_and_attachments
Revises: 0012_officers_console
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_live_and_attachments"
down_revision: str | None = "0012_officers_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_risk_levels",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_live_risk_levels")),
    )
    op.create_index(op.f("ix_live_risk_levels_region"), "live_risk_levels", ["region"])
    op.create_table(
        "live_overdue_notices",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_live_overdue_notices_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "answer_due", name=op.f("pk_live_overdue_notices")),
    )
    op.create_table(
        "live_sweeps",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_live_sweeps")),
    )
    op.create_table(
        "case_attachment_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_case_attachment_blobs")),
    )
    op.create_table(
        "case_attachments",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "sha256", name=op.f("pk_case_attachments")),
    )


def downgrade() -> None:
    op.drop_table("case_attachments")
    op.drop_table("case_attachment_blobs")
    op.drop_table("live_sweeps")
    op.drop_table("live_overdue_notices")
    op.drop_index(op.f("ix_live_risk_levels_region"), table_name="live_risk_levels")
    op.drop_table("live_risk_levels")
