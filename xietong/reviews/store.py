"""The SQL of the review workflow over the hub's ``annual_reviews`` and
``review_signatures`` tables; callers own the session and its transaction.

Every change is a compare-and-set on the review's ``version`` (``UPDATE ... WHERE
version = :expected``), made first in its transaction: on PostgreSQL the row lock
it takes makes a concurrent writer wait and then miss, on SQLite the write lock
does the same, so two writers can never both build on the same version. The
partial unique index ``uq_review_signatures_live`` backs it up: one live
signature per department, whatever happens.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, String, cast, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from xietong.auth.clock import as_utc
from xietong.domain.departments import Department
from xietong.kernel.store import AnnualReview, ReviewSignature
from xietong.reviews.digest import SignatureContent
from xietong.reviews.publication import Publication
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewFilter,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)

PageKey = tuple[int, str]
"""Where a page of reviews starts after: (year, credit code), newest year first."""


async def load_review(session: AsyncSession, review_id: str) -> ReviewRecord | None:
    row = await session.scalar(
        select(AnnualReview)
        .options(selectinload(AnnualReview.signatures))
        .where(AnnualReview.id == review_id)
    )
    return _record(row) if row is not None else None


async def add_review(session: AsyncSession, review: ReviewRecord) -> None:
    session.add(
        AnnualReview(
            id=review.id,
            credit_code=review.credit_code,
            region=review.region,
            year=review.year,
            status=review.status.value,
            required_signers=[department.value for department in review.required_signers],
            conclusion=None,
            version=review.version,
            digest=review.digest,
            opened_by=review.opened_by,
            opened_at=review.opened_at,
            published_at=None,
        )
    )
    await session.flush()


async def review_exists(session: AsyncSession, credit_code: str, year: int) -> bool:
    found = await session.scalar(
        select(AnnualReview.id).where(
            AnnualReview.credit_code == credit_code, AnnualReview.year == year
        )
    )
    return found is not None


async def compare_and_set(
    session: AsyncSession,
    review_id: str,
    expected_version: int,
    *,
    status: ReviewStatus,
    conclusion: ReviewConclusion | None,
    digest: str,
    publication: Publication | None = None,
) -> bool:
    """Move the review from ``expected_version`` to the next; False if it is no
    longer at ``expected_version`` (someone else changed it first). A publication
    is written in the same statement as its status, so neither is ever seen alone."""
    result = await session.execute(
        update(AnnualReview)
        .where(AnnualReview.id == review_id, AnnualReview.version == expected_version)
        .values(
            version=expected_version + 1,
            status=status.value,
            conclusion=conclusion.value if conclusion else None,
            digest=digest,
            published_at=publication.published_at if publication else None,
            published_by=publication.published_by if publication else None,
            published_by_department=publication.published_by_department if publication else None,
            publication_jws=publication.jws if publication else None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def add_signature(
    session: AsyncSession,
    review_id: str,
    content: SignatureContent,
    jws: str,
    *,
    signer_region: str | None = None,
) -> None:
    session.add(
        ReviewSignature(
            review_id=review_id,
            department=content.department.value,
            signer=content.signer,
            conclusion=content.conclusion.value,
            findings=content.findings,
            signed_at=content.signed_at,
            jws=jws,
            revoked_at=None,
            signer_region=signer_region,
            snapshot=content.snapshot,
        )
    )
    await session.flush()


async def revoke_signature(session: AsyncSession, seq: int, at: datetime) -> bool:
    result = await session.execute(
        update(ReviewSignature)
        .where(ReviewSignature.id == seq, ReviewSignature.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def reviews_page(
    session: AsyncSession,
    *,
    region_prefix: str,
    where: ReviewFilter,
    after: PageKey | None,
    limit: int,
) -> tuple[list[ReviewRecord], int]:
    """Up to ``limit`` reviews after ``after``, newest year first, and how many match."""
    conditions = [AnnualReview.region.startswith(region_prefix), *_filtered(where)]
    total = await session.scalar(select(func.count()).select_from(AnnualReview).where(*conditions))
    if after is not None:
        year, credit_code = after
        conditions.append(
            or_(
                AnnualReview.year < year,
                (AnnualReview.year == year) & (AnnualReview.credit_code > credit_code),
            )
        )
    rows = await session.scalars(
        select(AnnualReview)
        .options(selectinload(AnnualReview.signatures))
        .where(*conditions)
        .order_by(AnnualReview.year.desc(), AnnualReview.credit_code)
        .limit(limit)
    )
    return [_record(row) for row in rows], total or 0


async def reviews_of_institutions(
    session: AsyncSession, credit_codes: Collection[str]
) -> dict[str, list[ReviewRecord]]:
    """Each institution's reviews, newest year first, read together; an institution
    without reviews is left out."""
    rows = await session.scalars(
        select(AnnualReview)
        .options(selectinload(AnnualReview.signatures))
        .where(AnnualReview.credit_code.in_(sorted(set(credit_codes))))
        .order_by(AnnualReview.credit_code, AnnualReview.year.desc())
    )
    found: dict[str, list[ReviewRecord]] = {}
    for row in rows:
        found.setdefault(row.credit_code, []).append(_record(row))
    return found


def _filtered(where: ReviewFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.status is not None:
        conditions.append(AnnualReview.status == where.status.value)
    if where.year is not None:
        conditions.append(AnnualReview.year == where.year)
    if where.credit_code is not None:
        conditions.append(AnnualReview.credit_code == where.credit_code)
    if where.awaiting_signature_from is not None:
        conditions += _awaiting(where.awaiting_signature_from)
    return conditions


def _awaiting(department: Department) -> list[ColumnElement[bool]]:
    # required_signers is a JSON list of enum names: matching the quoted name as
    # text works the same on SQLite and PostgreSQL.
    quoted = f'%"{department.value}"%'.replace("_", "\\_")
    live = exists().where(
        ReviewSignature.review_id == AnnualReview.id,
        ReviewSignature.department == department.value,
        ReviewSignature.revoked_at.is_(None),
    )
    return [
        AnnualReview.status != ReviewStatus.PUBLISHED.value,
        cast(AnnualReview.required_signers, String).like(quoted, escape="\\"),
        ~live,
    ]


def _record(row: AnnualReview) -> ReviewRecord:
    return ReviewRecord(
        id=row.id,
        credit_code=row.credit_code,
        region=row.region,
        year=row.year,
        status=ReviewStatus(row.status),
        required_signers=tuple(Department(d) for d in row.required_signers),
        conclusion=ReviewConclusion(row.conclusion) if row.conclusion else None,
        version=row.version,
        digest=row.digest,
        opened_by=row.opened_by,
        opened_at=as_utc(row.opened_at),
        published_at=as_utc(row.published_at) if row.published_at else None,
        signatures=_signatures(row.signatures),
        published_by=row.published_by,
        published_by_department=row.published_by_department,
        publication_jws=row.publication_jws,
    )


def _signatures(rows: Sequence[ReviewSignature]) -> tuple[SignatureRecord, ...]:
    return tuple(
        SignatureRecord(
            seq=row.id,
            department=Department(row.department),
            signer=row.signer,
            conclusion=ReviewConclusion(row.conclusion),
            findings=row.findings,
            signed_at=as_utc(row.signed_at),
            jws=row.jws,
            revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
            signer_region=row.signer_region,
            snapshot=row.snapshot,
        )
        for row in sorted(rows, key=lambda row: row.id)
    )
