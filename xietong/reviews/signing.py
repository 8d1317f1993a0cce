"""Hub-signed compact JWS over a signature's digest, checkable with the JWKS alone.

Header ``{"alg": "ES256", "kid": ..., "typ": "xietong-review+jws"}``; payload the
canonical JSON ``{"review", "department", "signer", "previous", "digest"[, "snapshot"]}``
(``signer``: the officer, or the department's client, who signed; absent in
signatures made before it was carried): the
digest before this signature, the digest with it (``xietong.reviews.digest``) and
the digest of the snapshot of what the signer saw (``xietong.reviews.checklist``).
Carrying ``previous`` lets a verifier tell a changed signature from a removed or
reordered one. The ``kid`` names the hub key that signed; rotated keys stay in
the JWKS (``auth.keys``), so old signatures keep verifying.
"""

from __future__ import annotations

from dataclasses import dataclass

from joserfc.jwk import KeySet

from xietong.auth.keys import SIGNING_ALGORITHM, SigningKeyPair
from xietong.domain.departments import Department
from xietong.kernel.jws import UnverifiableJWSError, open_claims, sign_claims

REVIEW_SIGNATURE_TYPE = "xietong-review+jws"


class UnverifiableSignatureError(UnverifiableJWSError):
    """A review signature's JWS is malformed, from an unknown key, or forged."""


@dataclass(frozen=True, slots=True)
class SignedLink:
    """What one JWS attests: this department's signature extended ``previous`` to ``digest``."""

    kid: str
    review: str
    department: str
    previous: str
    digest: str
    snapshot: str | None = None
    """The digest of the snapshot the signer saw; None before snapshots existed."""
    signer: str | None = None
    """Who signed (an officer's username, or a client id); None in older signatures."""


def sign_link(
    key: SigningKeyPair,
    review_id: str,
    department: Department,
    previous: str,
    digest: str,
    snapshot: str | None = None,
    signer: str | None = None,
) -> str:
    claims = {
        "review": review_id,
        "department": str(department),
        "previous": previous,
        "digest": digest,
    }
    if signer is not None:
        claims["signer"] = signer
    if snapshot is not None:
        claims["snapshot"] = snapshot
    return sign_claims(
        claims,
        kid=key.kid,
        key=key.private_key,
        typ=REVIEW_SIGNATURE_TYPE,
        algorithm=SIGNING_ALGORITHM,
    )


def open_signed_link(token: str, keys: KeySet) -> SignedLink:
    """Check ``token`` against ``keys`` and return what it attests.

    Raises UnverifiableSignatureError saying what is wrong.
    """
    kid, claims = open_claims(
        token,
        keys,
        typ=REVIEW_SIGNATURE_TYPE,
        what="review signature",
        algorithm=SIGNING_ALGORITHM,
        error=UnverifiableSignatureError,
    )
    names = ("review", "department", "previous", "digest")
    if not all(isinstance(claims.get(name), str) for name in names):
        raise UnverifiableSignatureError(f"its JWS payload lacks {', '.join(names)}")
    snapshot = claims.get("snapshot")
    if snapshot is not None and not isinstance(snapshot, str):
        raise UnverifiableSignatureError("its JWS payload's snapshot is not a digest")
    signer = claims.get("signer")
    if signer is not None and not isinstance(signer, str):
        raise UnverifiableSignatureError("its JWS payload's signer is not a name")
    return SignedLink(
        kid=kid, **{name: claims[name] for name in names}, snapshot=snapshot, signer=signer
    )
