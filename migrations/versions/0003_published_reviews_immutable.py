"""published annual reviews are immutable; review signatures are append-only

The workflow never changes a published review, and never changes a signature
except to revoke it once; these triggers make the database refuse it too, for
any writer. Errors are integrity violations on both databases (SQLite's
RAISE(ABORT) is one; PostgreSQL's are raised with SQLSTATE 23000).

Revision ID: 0003_published_reviews_immutable
Revises: 0002_client_assertions
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_published_reviews_immutable"
down_revision: str | None = "0002_client_assertions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = "annual review is published and immutable"
APPEND_ONLY = "a review signature never changes: it can only be revoked, once"
NEVER_DELETED = "review signatures are never deleted"

_SIGNATURE_CONTENT = (
    "id",
    "review_id",
    "department",
    "signer",
    "conclusion",
    "findings",
    "signed_at",
    "jws",
)

_SQLITE_TRIGGERS = {
    "annual_reviews_published_no_update": f"""
        BEFORE UPDATE ON annual_reviews WHEN OLD.status = 'PUBLISHED'
        BEGIN SELECT RAISE(ABORT, '{PUBLISHED}'); END""",
    "annual_reviews_published_no_delete": f"""
        BEFORE DELETE ON annual_reviews WHEN OLD.status = 'PUBLISHED'
        BEGIN SELECT RAISE(ABORT, '{PUBLISHED}'); END""",
    "review_signatures_published_no_insert": f"""
        BEFORE INSERT ON review_signatures
        WHEN (SELECT status FROM annual_reviews WHERE id = NEW.review_id) = 'PUBLISHED'
        BEGIN SELECT RAISE(ABORT, '{PUBLISHED}'); END""",
    "review_signatures_published_no_update": f"""
        BEFORE UPDATE ON review_signatures
        WHEN (SELECT status FROM annual_reviews WHERE id = OLD.review_id) = 'PUBLISHED'
        BEGIN SELECT RAISE(ABORT, '{PUBLISHED}'); END""",
    "review_signatures_revoke_only": f"""
        BEFORE UPDATE ON review_signatures
        WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _SIGNATURE_CONTENT)}
            OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    "review_signatures_no_delete": f"""
        BEFORE DELETE ON review_signatures
        BEGIN SELECT RAISE(ABORT, '{NEVER_DELETED}'); END""",
}

_POSTGRES_FUNCTIONS = {
    "annual_reviews_published_immutable": f"""
        BEGIN
            IF OLD.status = 'PUBLISHED' THEN
                RAISE EXCEPTION '{PUBLISHED}: %', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END""",
    "review_signatures_append_only": f"""
        DECLARE
            review_status text;
        BEGIN
            IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
                RAISE EXCEPTION '{NEVER_DELETED}'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            -- FOR SHARE waits for a concurrent publication to commit, and then sees it.
            SELECT status INTO review_status FROM annual_reviews
                WHERE id = NEW.review_id FOR SHARE;
            IF review_status = 'PUBLISHED' THEN
                RAISE EXCEPTION '{PUBLISHED}: %', NEW.review_id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'UPDATE' AND (
                ({", ".join(f"NEW.{c}" for c in _SIGNATURE_CONTENT)})
                    IS DISTINCT FROM ({", ".join(f"OLD.{c}" for c in _SIGNATURE_CONTENT)})
                OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
            ) THEN
                RAISE EXCEPTION '{APPEND_ONLY}'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END""",
}

_POSTGRES_TRIGGERS = {
    # name: (table, when, for each, function)
    "annual_reviews_published_immutable": (
        "annual_reviews", "BEFORE UPDATE OR DELETE", "ROW", "annual_reviews_published_immutable",
    ),
    "review_signatures_append_only": (
        "review_signatures", "BEFORE INSERT OR UPDATE OR DELETE", "ROW",
        "review_signatures_append_only",
    ),
    "review_signatures_no_truncate": (
        "review_signatures", "BEFORE TRUNCATE", "STATEMENT", "review_signatures_append_only",
    ),
}  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    for name, body in _POSTGRES_FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger AS $$ {body} $$ LANGUAGE plpgsql")
    for name, (table, when, each, function) in _POSTGRES_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH {each} EXECUTE FUNCTION {function}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, (table, *_) in _POSTGRES_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name in _POSTGRES_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
