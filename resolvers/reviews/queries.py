"""Reading reviews within the principal's region: one review, a filtered page, an
institution's. Row scope is applied here, as for the joint record: outside the
region a review is not listed, and OUT_OF_SCOPE when asked for by id."""

from __future__ import annotations

from xietong.domain.records import Institution
from xietong.kernel.errors import CodedError, ErrorCode
from xietong.kernel.identifiers import credit_code_error
from xietong.resolvers.context import HubContext
from xietong.resolvers.returned import note_returned, page_of
from xietong.reviews import store
from xietong.reviews.records import ReviewFilter, ReviewRecord
from xietong.reviews.store import PageKey


async def annual_review(context: HubContext, review_id: str) -> ReviewRecord | None:
    async with context.hub.sessions() as session:
        review = await store.load_review(session, review_id)
    if review is not None:
        context.scope.require(
            review.region, what=f"the institution of annual review {review_id}", argument="id"
        )
        note_returned(context, [f"id:{review.id}", review.credit_code])
    return review


async def annual_reviews_page(
    context: HubContext, where: ReviewFilter, after: str | None, first: int
) -> tuple[list[ReviewRecord], int]:
    """Up to ``first`` reviews after the cursor key ``after``, and how many match."""
    async with context.hub.sessions() as session:
        found, total = await store.reviews_page(
            session,
            region_prefix=context.scope.prefix,
            where=where,
            after=page_key(after),
            limit=first,
        )
    note_returned(
        context, [key for r in page_of(found, first) for key in (f"id:{r.id}", r.credit_code)]
    )
    return found, total


async def institution_reviews(context: HubContext, credit_code: str) -> list[ReviewRecord]:
    """The reviews of an institution the principal already sees, newest year first;
    those of every institution on the same level of the answer are read together."""
    return await context.loaders.annual_reviews.load(credit_code)


async def reviewed_institution(context: HubContext, credit_code: str) -> Institution | None:
    """The institution a review is of, while the principal's scope holds it."""
    [found] = await context.loaders.visible_institutions([credit_code])
    return found


def cursor_key(review: ReviewRecord) -> str:
    return f"{review.year}:{review.credit_code}"


def page_key(key: str | None) -> PageKey | None:
    if key is None:
        return None
    year, _, credit_code = key.partition(":")
    if not (len(year) == 4 and year.isdigit() and not credit_code_error(credit_code)):
        raise CodedError(
            ErrorCode.BAD_USER_INPUT, "after: not a cursor of annualReviews", argument="after"
        )
    return int(year), credit_code
