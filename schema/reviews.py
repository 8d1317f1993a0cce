"""Annual reviews (年度检查) co-signed by an institution's supervisors (DESIGN §6, §9).

Expected refusals are values: every mutation answers ``AnnualReviewResult``, an
``AnnualReview`` or a ``ReviewError`` whose ``code`` says why.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated

import strawberry

from xietong.resolvers.context import HubInfo
from xietong.resolvers.reviews import queries, resolvers
from xietong.reviews.checklist import ChecklistItemCode, snapshot_from_canonical
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewErrorCode,
    ReviewFailure,
    ReviewFilter,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)
from xietong.reviews.service import ReviewResult
from xietong.schema.enums import Department, register
from xietong.schema.mapping import from_record, from_records
from xietong.schema.pagination import Connection, connection, decode_cursor, page_size
from xietong.schema.scalars import CreditCode

if TYPE_CHECKING:
    from xietong.schema.education import Institution

register(ReviewStatus, "Where an annual review stands.")
register(ReviewConclusion, "An annual review's conclusion (年检结论).")
register(ReviewErrorCode, "Why a review mutation was refused.")
register(ChecklistItemCode, "An item of a review's checklist, filled from the joint record.")


@strawberry.type(
    description="One item of the annual review's checklist, as the joint record showed it "
    "when the signer signed."
)
class ChecklistItem:
    item: ChecklistItemCode = strawberry.field(description="What is checked.")
    subject: str | None = strawberry.field(
        description="What the item is about when there are several (a campus, a licence)."
    )
    ok: bool | None = strawberry.field(
        description="Whether the item is in order; null when its department did not answer."
    )
    value: str = strawberry.field(
        description="What the joint record showed (UNAVAILABLE when its department did not answer)."
    )


@strawberry.type(description="One department's signature on an annual review.")
class ReviewSignature:
    record: strawberry.Private[SignatureRecord]
    department: Department = strawberry.field(description="The signing department.")
    signer: str = strawberry.field(description="The subject of the client that signed.")
    conclusion: ReviewConclusion = strawberry.field(description="Its conclusion.")
    findings: str = strawberry.field(description="What it found.")
    signed_at: datetime = strawberry.field(description="When it signed.")
    jws: str = strawberry.field(
        description="Compact JWS (ES256) by the hub over the review's digest with this "
        "signature; verify it with the hub's JWKS (kid in its header)."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When its department withdrew it; it stays, as part of the record."
    )
    snapshot_digest: str | None = strawberry.field(
        description="SHA-256 of `snapshot`; inside the JWS, so the snapshot cannot change."
    )

    @strawberry.field(
        description="What the signer saw when signing, as canonical JSON: the risk "
        "assessment (as shown to the signer) and the checklist. Null for signatures made "
        "before snapshots were taken."
    )
    def snapshot(self) -> str | None:
        return self.record.snapshot

    @strawberry.field(description="The checklist of the snapshot, item by item.")
    def checklist(self) -> list[ChecklistItem] | None:
        if self.record.snapshot is None:
            return None
        return from_records(ChecklistItem, snapshot_from_canonical(self.record.snapshot).checklist)


@strawberry.type(description="An institution's annual review, co-signed by its supervisors.")
class AnnualReview:
    record: strawberry.Private[ReviewRecord]
    id: strawberry.ID = strawberry.field(description="The review's id.")
    credit_code: CreditCode = strawberry.field(description="The institution reviewed.")
    year: int = strawberry.field(description="The year reviewed.")
    status: ReviewStatus = strawberry.field(description="Where it stands.")
    required_signers: list[Department] = strawberry.field(
        description="The institution's supervisors when the review was opened."
    )
    signatures: list[ReviewSignature] = strawberry.field(
        description="Every signature in the order made, revoked ones included."
    )
    awaiting_signature_from: list[Department] = strawberry.field(
        description="Required signers without a live signature."
    )
    conclusion: ReviewConclusion | None = strawberry.field(
        description="The conclusion every required signer agreed on."
    )
    version: int = strawberry.field(description="Give it as expectedVersion to change the review.")
    digest: str = strawberry.field(
        description="SHA-256 of the canonical content and signatures (the last JWS signs it)."
    )
    opened_at: datetime = strawberry.field(description="When it was opened.")
    published_at: datetime | None = strawberry.field(description="When it was published.")

    @strawberry.field(description="The institution's joint record.")
    async def institution(
        self, info: HubInfo
    ) -> Annotated[Institution, strawberry.lazy("xietong.schema.education")] | None:
        from xietong.schema.education import Institution  # the types refer to each other

        found = await queries.reviewed_institution(info.context, self.record.credit_code)
        return from_record(Institution, found) if found else None

    @strawberry.field(description="Who opened the review (signed at its publication).")
    def opened_by(self) -> str:
        return self.record.opened_by

    @strawberry.field(description="Who published it (the publisher's subject).")
    def published_by(self) -> str | None:
        return self.record.published_by

    @strawberry.field(description="The department that published it.")
    def published_by_department(self) -> str | None:
        return self.record.published_by_department

    @strawberry.field(
        description="The hub's JWS over digest, status, publishedAt, publisher and opener: "
        "a published review verifies offline with the JWKS."
    )
    def publication_jws(self) -> str | None:
        return self.record.publication_jws


@strawberry.type(description="Why a review mutation was refused; nothing was changed.")
class ReviewError:
    code: ReviewErrorCode = strawberry.field(description="Why it was refused.")
    message: str = strawberry.field(description="The reason, in words.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


AnnualReviewResult = Annotated[AnnualReview | ReviewError, strawberry.union("AnnualReviewResult")]


def result_of(result: ReviewResult) -> AnnualReview | ReviewError:
    if isinstance(result, ReviewFailure):
        return from_record(ReviewError, result)
    return from_record(AnnualReview, result)


@strawberry.input
class OpenAnnualReviewInput:
    credit_code: CreditCode = strawberry.field(description="The institution to review.")
    year: int = strawberry.field(description="The year reviewed.")


@strawberry.input
class SignAnnualReviewInput:
    review_id: strawberry.ID = strawberry.field(description="The review to sign.")
    conclusion: ReviewConclusion = strawberry.field(description="Your department's conclusion.")
    findings: str = strawberry.field(description="What you found.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class RevokeSignatureInput:
    review_id: strawberry.ID = strawberry.field(description="The review.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class PublishAnnualReviewInput:
    review_id: strawberry.ID = strawberry.field(description="The review.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input(description="Every condition given must hold.")
class AnnualReviewFilter:
    status: ReviewStatus | None = strawberry.field(
        default=None, description="Reviews in this status."
    )
    year: int | None = strawberry.field(default=None, description="Reviews of this year.")
    credit_code: CreditCode | None = strawberry.field(
        default=None, description="Reviews of this institution."
    )
    awaiting_signature_from: Department | None = strawberry.field(
        default=None,
        description="A bureau's inbox: reviews it must sign and has not signed (or revoked).",
    )

    def to_filter(self) -> ReviewFilter:
        return ReviewFilter(
            status=self.status,
            year=self.year,
            credit_code=self.credit_code,
            awaiting_signature_from=self.awaiting_signature_from,
        )


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="One annual review, by id.")
    async def annual_review(self, info: HubInfo, id: strawberry.ID) -> AnnualReview | None:
        found = await queries.annual_review(info.context, id)
        return from_record(AnnualReview, found) if found else None

    @strawberry.field(description="Annual reviews in the principal's region, newest year first.")
    async def annual_reviews(
        self,
        info: HubInfo,
        filter: AnnualReviewFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[AnnualReview] | None:
        size = page_size(first)
        records, total = await queries.annual_reviews_page(
            info.context,
            filter.to_filter() if filter else ReviewFilter(),
            decode_cursor(after, str),
            size + 1,
        )
        return connection(
            records,
            first=size,
            after=after,
            total=total,
            key=queries.cursor_key,
            node=partial(from_record, AnnualReview),
        )


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="Open an institution's review for a year (a supervisor).")
    async def open_annual_review(
        self, info: HubInfo, input: OpenAnnualReviewInput
    ) -> AnnualReviewResult | None:
        return result_of(
            await resolvers.open_annual_review(info.context, input.credit_code, input.year)
        )

    @strawberry.mutation(description="Sign as a required signer, with a conclusion and findings.")
    async def sign_annual_review(
        self, info: HubInfo, input: SignAnnualReviewInput
    ) -> AnnualReviewResult | None:
        signed = await resolvers.sign_annual_review(
            info.context, input.review_id, input.conclusion, input.findings, input.expected_version
        )
        return result_of(signed)

    @strawberry.mutation(description="Withdraw your department's signature, to sign again.")
    async def revoke_signature(
        self, info: HubInfo, input: RevokeSignatureInput
    ) -> AnnualReviewResult | None:
        return result_of(
            await resolvers.revoke_signature(info.context, input.review_id, input.expected_version)
        )

    @strawberry.mutation(description="Publish a COSIGNED review; it never changes again.")
    async def publish_annual_review(
        self, info: HubInfo, input: PublishAnnualReviewInput
    ) -> AnnualReviewResult | None:
        return result_of(
            await resolvers.publish_annual_review(
                info.context, input.review_id, input.expected_version
            )
        )
