"""Hub-signed compact JWS over a signature's digest, checkable with the JWKS alone.

Header ``{"alg": "ES256", "kid": ..., "typ": "xietong-review+jws"}``; payload the
canonical JSON ``{"review", "department", "previous", "digest"}``: the digest
before this signature and the digest with it (``xietong.reviews.digest``).
Carrying ``previous`` lets a verifier tell a changed signature from a removed or
reordered one. The ``kid`` names the hub key that signed; rotated keys stay in
the JWKS (``auth.keys``), so old signatures keep verifying.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from xietong.auth.keys import SIGNING_ALGORITHM, SigningKeyPair
from xietong.domain.departments import Department
from xietong.kernel.canonical import canonical_bytes

REVIEW_SIGNATURE_TYPE = "xietong-review+jws"


class UnverifiableSignatureError(ValueError):
    """A review signature's JWS is malformed, from an unknown key, or forged."""


@dataclass(frozen=True, slots=True)
class SignedLink:
    """What one JWS attests: this department's signature extended ``previous`` to ``digest``."""

    kid: str
    review: str
    department: str
    previous: str
    digest: str


def sign_link(
    key: SigningKeyPair, review_id: str, department: Department, previous: str, digest: str
) -> str:
    header = {"alg": key.algorithm, "kid": key.kid, "typ": REVIEW_SIGNATURE_TYPE}
    payload = {
        "review": review_id,
        "department": str(department),
        "previous": previous,
        "digest": digest,
    }
    return jws.serialize_compact(
        header, canonical_bytes(payload), key.private_key, algorithms=[SIGNING_ALGORITHM]
    )


def load_key_set(jwks: Mapping[str, Any]) -> KeySet:
    """The hub's published keys; a ValueError says why ``jwks`` is not a JWKS."""
    try:
        return KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a usable JWKS: {error}") from None


def open_signed_link(token: str, keys: KeySet) -> SignedLink:
    """Check ``token`` against ``keys`` and return what it attests.

    Raises UnverifiableSignatureError saying what is wrong.
    """
    try:
        compact = jws.extract_compact(token.encode())
    except (JoseError, ValueError) as error:
        raise UnverifiableSignatureError(f"its JWS is malformed ({error})") from None
    header = compact.headers()
    kid = header.get("kid")
    if header.get("alg") != SIGNING_ALGORITHM or header.get("typ") != REVIEW_SIGNATURE_TYPE:
        raise UnverifiableSignatureError(
            f"its JWS is not a hub review signature (alg {header.get('alg')!r}, "
            f"typ {header.get('typ')!r})"
        )
    if not isinstance(kid, str):
        raise UnverifiableSignatureError("its JWS names no key (kid)")
    try:
        key = keys.get_by_kid(kid)
        valid = jws.validate_compact(compact, key, algorithms=[SIGNING_ALGORITHM])
    except JoseError:
        raise UnverifiableSignatureError(
            f"it was signed with key {kid}, which the JWKS does not hold"
        ) from None
    if not valid:
        raise UnverifiableSignatureError(f"its JWS does not verify with key {kid} (forged)")
    return SignedLink(kid=kid, **_attested(compact.payload))


def _attested(payload: bytes) -> dict[str, str]:
    try:
        claims = json.loads(payload)
    except ValueError:
        raise UnverifiableSignatureError("its JWS payload is not JSON") from None
    names = ("review", "department", "previous", "digest")
    if not isinstance(claims, dict) or not all(isinstance(claims.get(n), str) for n in names):
        raise UnverifiableSignatureError(f"its JWS payload lacks {', '.join(names)}")
    return {name: claims[name] for name in names}
