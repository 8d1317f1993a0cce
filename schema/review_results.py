"""``annualReviewResults``: a year's published annual reviews within a region, as the
departments jointly announce them, and the same list as a CSV for a portal
(``GET /reviews/results.csv`` serves it as a file)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from xietong.kernel.errors import CodedError, ErrorCode
from xietong.resolvers.context import HubInfo
from xietong.resolvers.reviews.results import annual_review_results
from xietong.reviews.records import ReviewConclusion
from xietong.reviews.results import PublishedResult, results_csv
from xietong.schema.enums import Department
from xietong.schema.labels import label_of
from xietong.schema.scalars import CreditCode, RegionCode

YEARS = range(2000, 2100)


@strawberry.type(description="A department that signed a published result.")
class ResultSigner:
    department: Department = strawberry.field(description="The signing department.")
    department_label: str = strawberry.field(description="Its Chinese name.")
    signer: str = strawberry.field(description="Who signed for it.")
    signed_at: datetime = strawberry.field(description="When it signed.")


@strawberry.type(description="An institution's published annual review result (年检结果).")
class PublishedReviewResult:
    review_id: strawberry.ID = strawberry.field(description="The review's id.")
    credit_code: CreditCode = strawberry.field(description="The institution reviewed.")
    name: str = strawberry.field(description="Its name, as the education bureau registers it.")
    region: RegionCode = strawberry.field(description="Its region code.")
    year: int = strawberry.field(description="The year reviewed.")
    conclusion: ReviewConclusion = strawberry.field(description="The agreed conclusion.")
    conclusion_label: str = strawberry.field(description="The conclusion in Chinese (合格 ...).")
    signers: list[ResultSigner] = strawberry.field(description="The departments that signed.")
    published_at: datetime = strawberry.field(description="When it was published.")

    @classmethod
    def of(cls, result: PublishedResult) -> PublishedReviewResult:
        return cls(
            review_id=strawberry.ID(result.review_id),
            credit_code=CreditCode(result.credit_code),
            name=result.name,
            region=RegionCode(result.region),
            year=result.year,
            conclusion=result.conclusion,
            conclusion_label=label_of(result.conclusion),
            signers=[
                ResultSigner(
                    department=signer.department,
                    department_label=label_of(signer.department),
                    signer=signer.signer,
                    signed_at=signer.signed_at,
                )
                for signer in result.signers
            ],
            published_at=result.published_at,
        )


@strawberry.type(description="A year's published annual review results within a region.")
class AnnualReviewResults:
    found: strawberry.Private[list[PublishedResult]]
    region: RegionCode = strawberry.field(description="The region listed.")
    year: int = strawberry.field(description="The year reviewed.")

    @strawberry.field(description="Every published result, by credit code.")
    def results(self) -> list[PublishedReviewResult]:
        return [PublishedReviewResult.of(result) for result in self.found]

    @strawberry.field(
        description="The same list as CSV text: UTF-8 with a BOM and CRLF lines, so Excel opens "
        "the Chinese as it is. GET /reviews/results.csv?year=&region= serves it as a file."
    )
    def csv(self) -> str:
        return results_csv(self.found, label_of)


@strawberry.type
class ReviewResultsQuery:
    @strawberry.field(
        description="A year's published annual review results within a region (the caller's "
        "own when not given), as the departments jointly announce them."
    )
    async def annual_review_results(
        self, info: HubInfo, year: int, region: RegionCode | None = None
    ) -> AnnualReviewResults | None:
        if year not in YEARS:
            raise CodedError(
                ErrorCode.BAD_USER_INPUT,
                f"year must be from {YEARS.start} to {YEARS.stop - 1}",
                argument="year",
            )
        found = await annual_review_results(info.context, region, year)
        return AnnualReviewResults(
            found=found, region=RegionCode(region or info.context.principal.region), year=year
        )
