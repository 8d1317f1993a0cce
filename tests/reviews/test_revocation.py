"""Who may withdraw a signature: its signer, or a client of its department whose
region contains the signer's (a provincial bureau over a city's); over the hub
database (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.reviews.support import actor, cosigned_review, failed, ok, workflow
from xietong.domain.departments import Department
from xietong.reviews.records import ReviewErrorCode, ReviewStatus

EDU = Department.EDUCATION


async def test_another_region_is_refused_and_the_province_may_revoke(
    hub_database_url: str,
) -> None:
    # The school's own district sees the review, but not over the city that signed.
    district = actor(EDU, "410204", "district-education")
    henan = actor(EDU, "410000", "henan-education")
    async with workflow(hub_database_url) as flow:
        review = await cosigned_review(flow)  # education signed as demo-education, 410200

        refused = failed(await flow.reviews.revoke(district, review.id, review.version))
        unchanged = await flow.reviews.get(review.id)
        revoked = ok(await flow.reviews.revoke(henan, review.id, review.version))

    assert refused.code is ReviewErrorCode.NOT_A_SIGNER
    assert refused.message.startswith(
        "district-education (region 410204) may not revoke the signature of "
        "demo-education (region 410200)"
    )
    assert unchanged is not None
    assert unchanged.live_signature_of(EDU) is not None
    assert unchanged.version == review.version
    assert revoked.status is ReviewStatus.OPEN
    assert revoked.live_signature_of(EDU) is None
    assert revoked.signatures[0].signer_region == "410200"
