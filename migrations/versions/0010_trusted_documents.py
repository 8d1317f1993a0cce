"""trusted documents: GraphQL documents registered per client, clients that run only them

Revision ID: 0010_trusted_documents
Revises: 0009_audit_trace_id
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_trusted_documents"
down_revision: str | None = "0009_audit_trace_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT_ID_LENGTH = 71  # "sha256:" and 64 hex digits


def upgrade() -> None:
    op.create_table(
        "trusted_documents",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("document_id", sa.String(length=DOCUMENT_ID_LENGTH), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_trusted_documents_client_id_clients"),
        ),
        sa.PrimaryKeyConstraint("client_id", "document_id", name=op.f("pk_trusted_documents")),
    )
    # A constant default: SQLite adds the column in place, PostgreSQL without a rewrite.
    op.add_column(
        "clients",
        sa.Column(
            "trusted_documents_only", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    # The access log records a trusted document's id (sha256:…) where it records a
    # document's hash. SQLite does not enforce a VARCHAR's length (and copying the
    # append-only table to change it would drop its triggers): PostgreSQL only.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_events",
            "document_hash",
            type_=sa.String(length=DOCUMENT_ID_LENGTH),
            existing_type=sa.String(length=64),
            existing_nullable=True,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_events",
            "document_hash",
            type_=sa.String(length=64),
            existing_type=sa.String(length=DOCUMENT_ID_LENGTH),
            existing_nullable=True,
        )
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_column("trusted_documents_only")
    op.drop_table("trusted_documents")
