"""Published annual review results as the departments jointly announce them (年检结果
公示): each institution's name, the conclusion its supervisors agreed on, and who
signed; and the same list as a CSV that Excel opens as it is (UTF-8 with a BOM,
CRLF lines), for a portal to publish.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from xietong.domain.departments import Department
from xietong.reviews.records import ReviewConclusion, ReviewRecord

CHINA = timezone(timedelta(hours=8), "CST")
"""Dates in a published list are the departments' own: Beijing time."""
BOM = "\ufeff"
"""Without it, Excel reads a UTF-8 CSV in the machine's legacy code page (GBK in
China) and shows the Chinese as mojibake."""


@dataclass(frozen=True, slots=True)
class Signer:
    department: Department
    signer: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class PublishedResult:
    review_id: str
    credit_code: str
    name: str
    region: str
    year: int
    conclusion: ReviewConclusion
    signers: tuple[Signer, ...]
    published_at: datetime


def published_result(review: ReviewRecord, name: str) -> PublishedResult:
    """The announced result of a PUBLISHED review: its live signatures are its signers."""
    assert review.conclusion is not None
    assert review.published_at is not None
    return PublishedResult(
        review_id=review.id,
        credit_code=review.credit_code,
        name=name,
        region=review.region,
        year=review.year,
        conclusion=review.conclusion,
        signers=tuple(
            Signer(signature.department, signature.signer, signature.signed_at)
            for signature in review.live_signatures
        ),
        published_at=review.published_at,
    )


HEADER = ("统一社会信用代码", "机构名称", "行政区划", "年度", "年检结论", "会签部门", "公示日期")


def results_csv(results: Sequence[PublishedResult], label: Callable[[Enum], str]) -> str:
    """The list as CSV text, BOM first; ``label`` names a conclusion or a department in
    Chinese (the schema's glossary)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for result in results:
        writer.writerow(
            (
                result.credit_code,
                result.name,
                result.region,
                result.year,
                label(result.conclusion),
                "、".join(label(signer.department) for signer in result.signers),
                result.published_at.astimezone(CHINA).date().isoformat(),
            )
        )
    return out.getvalue()
