"""Offline verification: a review's JWS chain against a JWKS, and every way of
tampering with it that the verifier must name. No database: the review is built
here the way the workflow builds it."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from xietong.auth.keys import SigningKeyPair
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.reviews.digest import SignatureContent, content_digest, link_digest
from xietong.reviews.document import review_document, review_from_document
from xietong.reviews.publication import sign_publication
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)
from xietong.reviews.rules import outcome
from xietong.reviews.signing import sign_link
from xietong.reviews.verify import verify_review

EDU, ART = Department.EDUCATION, Department.CULTURE_TOURISM
PASS, FAIL = ReviewConclusion.PASS, ReviewConclusion.FAIL
T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def hub_key() -> tuple[SigningKeyPair, dict[str, Any]]:
    key = ECKey.generate_key("P-256")
    kid = key.thumbprint()
    public = dict(key.as_dict(private=False, kid=kid, alg="ES256", use="sig"))
    return SigningKeyPair(kid, "ES256", key), public


KEY, PUBLIC = hub_key()
JWKS = {"keys": [PUBLIC]}


def signed_review(
    steps: Sequence[tuple[Department, ReviewConclusion]],
    *,
    keys: Sequence[SigningKeyPair] = (KEY,),
    revoked: Sequence[int] = (),
    published: bool = False,
    review_id: str = "0b8f2c1e-review",
) -> ReviewRecord:
    """Signatures in ``steps`` order (the n-th with ``keys[n]``, else the last key);
    ``revoked`` are 0-based places withdrawn later."""
    required = (EDU, ART)
    previous = content_digest(review_id, "91410204MA9F1A2B3C", 2025, required)
    signatures = []
    for place, (department, conclusion) in enumerate(steps):
        content = SignatureContent(
            department,
            f"demo-{department.lower()}",
            conclusion,
            f"findings {place}",
            T0 + timedelta(minutes=place, microseconds=place),
        )
        digest = link_digest(previous, review_id, content)
        key = keys[min(place, len(keys) - 1)]
        token = sign_link(key, review_id, department, previous, digest)
        signatures.append(
            SignatureRecord(
                place + 1,
                department,
                content.signer,
                conclusion,
                content.findings,
                content.signed_at,
                token,
                T0 + timedelta(hours=1) if place in revoked else None,
            )
        )
        previous = digest
    live = [(s.department, s.conclusion) for s in signatures if s.live]
    status, agreed = outcome(required, live)
    review = ReviewRecord(
        id=review_id,
        credit_code="91410204MA9F1A2B3C",
        region="410204",
        year=2025,
        status=status,
        required_signers=required,
        conclusion=agreed,
        version=1 + len(steps) + len(revoked),
        digest=previous,
        opened_by="demo-education",
        opened_at=T0,
        published_at=None,
        signatures=tuple(signatures),
    )
    if not published:
        return review
    publisher = Actor(ART, "410200", "demo-culture_tourism")
    publication = sign_publication(keys[-1], review, publisher, T0 + timedelta(days=1))
    return dataclasses.replace(
        review,
        status=ReviewStatus.PUBLISHED,
        version=review.version + 1,
        published_at=publication.published_at,
        published_by=publication.published_by,
        published_by_department=publication.published_by_department,
        publication_jws=publication.jws,
    )


COSIGNED = signed_review([(EDU, PASS), (ART, PASS)], published=True)
RESIGNED = signed_review([(EDU, PASS), (ART, FAIL), (ART, PASS)], revoked=[1])


def test_a_review_the_hub_signed_verifies_with_its_jwks() -> None:
    for review in (COSIGNED, RESIGNED, signed_review([])):
        report = verify_review(review, JWKS)
        assert report.problems == ()
        assert report.intact
    header = json.loads(base64.urlsafe_b64decode(COSIGNED.signatures[0].jws.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "kid": KEY.kid, "typ": "xietong-review+jws"}


def test_signatures_made_before_a_key_rotation_verify_with_the_published_old_key() -> None:
    new_key, new_public = hub_key()
    review = signed_review([(EDU, PASS), (ART, PASS)], keys=[KEY, new_key])

    assert verify_review(review, {"keys": [new_public, PUBLIC]}).intact
    [problem] = verify_review(review, {"keys": [new_public]}).problems
    assert problem == (
        f"signature 1 (EDUCATION, demo-education): it was signed with key {KEY.kid}, "
        "which the JWKS does not hold"
    )


def test_an_exported_document_verifies_the_same_as_the_review() -> None:
    document = json.loads(json.dumps(review_document(RESIGNED)))

    assert review_from_document(document) == dataclasses.replace(RESIGNED)
    assert verify_review(review_from_document(document), JWKS).intact


def _signature(place: int, **changes: Any) -> Callable[[ReviewRecord], ReviewRecord]:
    def change(review: ReviewRecord) -> ReviewRecord:
        signatures = list(review.signatures)
        signatures[place] = dataclasses.replace(signatures[place], **changes)
        return dataclasses.replace(review, signatures=tuple(signatures))

    return change


def _forged(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    return f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}"


def _unsigned(token: str) -> str:
    payload = token.split(".")[1]
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"xietong-review+jws"}').rstrip(b"=")
    return f"{header.decode()}.{payload}."


FIRST = "signature 1 (EDUCATION, demo-education)"
SECOND = "signature 2 (CULTURE_TOURISM, demo-culture_tourism)"
CHANGED = "its department, signer, conclusion, findings or time differ from what was signed"


@pytest.mark.parametrize(
    ("tampering", "review", "expected"),
    [
        pytest.param(_signature(0, findings="all fine"), COSIGNED, f"{FIRST}: {CHANGED}",
                     id="findings"),
        pytest.param(_signature(1, conclusion=ReviewConclusion.EXCELLENT), COSIGNED,
                     f"{SECOND}: {CHANGED}", id="conclusion"),
        pytest.param(_signature(0, signer="someone-else"), COSIGNED,
                     f"signature 1 (EDUCATION, someone-else): {CHANGED}", id="signer"),
        pytest.param(_signature(0, signed_at=T0 - timedelta(days=30)), COSIGNED,
                     f"{FIRST}: {CHANGED}", id="time"),
        pytest.param(lambda r: _signature(0, jws=_forged(r.signatures[0].jws))(r), COSIGNED,
                     f"{FIRST}: its JWS does not verify with key {KEY.kid} (forged)", id="jws"),
        pytest.param(lambda r: _signature(0, jws=_unsigned(r.signatures[0].jws))(r), COSIGNED,
                     f"{FIRST}: its JWS is not a hub review signature (alg 'none', "
                     "typ 'xietong-review+jws')", id="alg-none"),
        pytest.param(lambda r: _signature(1, jws=r.signatures[0].jws)(r), COSIGNED,
                     f"{SECOND}: its JWS was made by EDUCATION", id="jws-of-another"),
        pytest.param(lambda r: _signature(0, jws=COSIGNED.signatures[0].jws)(r),
                     signed_review([(EDU, PASS)], review_id="another-review"),
                     f"{FIRST}: its JWS was made for review {COSIGNED.id}", id="other-review"),
        pytest.param(lambda r: dataclasses.replace(r, year=2024), COSIGNED,
                     f"{FIRST}: it does not follow the review's content", id="year"),
        pytest.param(lambda r: dataclasses.replace(r, signatures=r.signatures[1:]), RESIGNED,
                     "signature 1 (CULTURE_TOURISM, demo-culture_tourism): it does not follow "
                     "the review's content", id="first-removed"),
        pytest.param(lambda r: dataclasses.replace(r, signatures=r.signatures[::2]), RESIGNED,
                     "signature 2 (CULTURE_TOURISM, demo-culture_tourism): it does not follow "
                     "signature 1", id="middle-removed"),
        pytest.param(lambda r: dataclasses.replace(r, signatures=r.signatures[:2]), RESIGNED,
                     "the review's digest", id="last-removed"),
        pytest.param(_signature(1, revoked_at=None), RESIGNED,
                     "signature 2 (CULTURE_TOURISM) is live although CULTURE_TOURISM signed "
                     "again after it", id="revocation-undone"),
        pytest.param(lambda r: dataclasses.replace(r, status=ReviewStatus.COSIGNED), COSIGNED,
                     "its status is COSIGNED but it has a publication time", id="unpublished"),
        pytest.param(lambda r: dataclasses.replace(r, status=ReviewStatus.COSIGNED,
                                                   published_at=None, version=r.version - 1),
                     COSIGNED, "its status is COSIGNED but it carries the hub's publication "
                     "signature: it was published, and un-published since",
                     id="unpublished-cleanly"),
        pytest.param(lambda r: dataclasses.replace(r, status=ReviewStatus.COSIGNED,
                                                   published_at=None, published_by=None,
                                                   published_by_department=None,
                                                   publication_jws=None),
                     COSIGNED, "its version 4 does not count its changes (3", id="jws-dropped"),
        pytest.param(lambda r: dataclasses.replace(r, publication_jws=None), COSIGNED,
                     "its status is PUBLISHED but it carries no publication signed by the hub",
                     id="relabelled"),
        pytest.param(lambda r: dataclasses.replace(r, published_at=T0 + timedelta(hours=2)),
                     COSIGNED, "its publication time (backdated?) differs from what the hub "
                     "signed", id="backdated"),
        pytest.param(lambda r: dataclasses.replace(r, opened_by="someone-else"), COSIGNED,
                     "its opener (openedBy) differs from what the hub signed", id="opener"),
        pytest.param(lambda r: dataclasses.replace(r, published_by="demo-education"), COSIGNED,
                     "its publisher differs from what the hub signed", id="publisher"),
        pytest.param(lambda r: dataclasses.replace(r, conclusion=ReviewConclusion.EXCELLENT),
                     COSIGNED, "its status PUBLISHED (EXCELLENT) does not follow from its live "
                     "signatures, which make it COSIGNED (PASS)", id="review-conclusion"),
    ],
)  # fmt: skip
def test_tampering_is_named(
    tampering: Callable[[ReviewRecord], ReviewRecord], review: ReviewRecord, expected: str
) -> None:
    assert verify_review(review, JWKS).intact

    report = verify_review(tampering(review), JWKS)

    assert not report.intact
    assert any(problem.startswith(expected) for problem in report.problems), report.problems


def test_a_jwks_that_is_not_one_is_a_problem_not_a_crash() -> None:
    report = verify_review(COSIGNED, {"keys": "nope"})

    assert not report.intact
    assert report.problems[0].startswith("not a usable JWKS")


def test_a_jws_signed_with_a_key_outside_the_jwks_is_refused() -> None:
    impostor, _ = hub_key()
    token = COSIGNED.signatures[0].jws
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    header = {"alg": "ES256", "kid": KEY.kid, "typ": "xietong-review+jws"}
    forged = jws.serialize_compact(header, payload, impostor.private_key, algorithms=["ES256"])

    report = verify_review(_signature(0, jws=forged)(COSIGNED), JWKS)

    assert report.problems == (f"{FIRST}: its JWS does not verify with key {KEY.kid} (forged)",)
