"""The hub's compact JWS: canonical JSON claims signed under a ``typ`` of their own,
and opened again with nothing but a JWKS (review signatures, publications, access-log
checkpoints all verify offline this way)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from xietong.kernel.canonical import canonical_bytes


class UnverifiableJWSError(ValueError):
    """A JWS is malformed, of another kind, from a key the JWKS lacks, or forged."""


def sign_claims(claims: Mapping[str, Any], *, kid: str, key: Key, typ: str, algorithm: str) -> str:
    header = {"alg": algorithm, "kid": kid, "typ": typ}
    return jws.serialize_compact(header, canonical_bytes(claims), key, algorithms=[algorithm])


def open_claims(
    token: str,
    keys: KeySet,
    *,
    typ: str,
    what: str,
    algorithm: str,
    error: type[UnverifiableJWSError] = UnverifiableJWSError,
) -> tuple[str, dict[str, Any]]:
    """The signing key's id and the claims of ``token``, a hub ``what`` (e.g. "review
    signature") of type ``typ``; ``error`` saying what is wrong otherwise."""
    try:
        compact = jws.extract_compact(token.encode())
    except (JoseError, ValueError) as problem:
        raise error(f"its JWS is malformed ({problem})") from None
    header = compact.headers()
    kid = header.get("kid")
    if header.get("alg") != algorithm or header.get("typ") != typ:
        raise error(
            f"its JWS is not a hub {what} (alg {header.get('alg')!r}, typ {header.get('typ')!r})"
        )
    if not isinstance(kid, str):
        raise error("its JWS names no key (kid)")
    try:
        valid = jws.validate_compact(compact, keys.get_by_kid(kid), algorithms=[algorithm])
    except JoseError:
        raise error(f"it was signed with key {kid}, which the JWKS does not hold") from None
    if not valid:
        raise error(f"its JWS does not verify with key {kid} (forged)")
    try:
        claims = json.loads(compact.payload)
    except ValueError:
        raise error("its JWS payload is not JSON") from None
    if not isinstance(claims, dict):
        raise error("its JWS payload is not a JSON object")
    return kid, claims


def load_key_set(jwks: Mapping[str, Any]) -> KeySet:
    """The hub's published keys; a ValueError says why ``jwks`` is not a JWKS."""
    try:
        return KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, KeyError, TypeError, ValueError) as problem:
        raise ValueError(f"not a usable JWKS: {problem}") from None
