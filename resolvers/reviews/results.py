"""The published results of a year's annual reviews within a region, with the names the
education bureau registers."""

from __future__ import annotations

from xietong.resolvers.context import HubContext
from xietong.resolvers.returned import note_returned
from xietong.reviews import store
from xietong.reviews.records import ReviewFilter, ReviewStatus
from xietong.reviews.results import PublishedResult, published_result

MAX_RESULTS = 100_000
"""More published reviews than a city has institutions: one list answers a year."""


async def annual_review_results(
    context: HubContext, region: str | None, year: int
) -> list[PublishedResult]:
    """Every review of ``year`` published within ``region`` (the principal's own when
    not given; OUT_OF_SCOPE outside it), by credit code."""
    scope = context.scope.narrowed(region, argument="region")
    async with context.hub.sessions() as session:
        reviews, _total = await store.reviews_page(
            session,
            region_prefix=scope.prefix,
            where=ReviewFilter(status=ReviewStatus.PUBLISHED, year=year),
            after=None,
            limit=MAX_RESULTS,
        )
    names = await context.loaders.institutions.load_many([r.credit_code for r in reviews])
    results = [
        published_result(review, institution.name if institution else "")
        for review, institution in zip(reviews, names, strict=True)
    ]
    note_returned(context, [key for r in results for key in (f"id:{r.review_id}", r.credit_code)])
    return results
