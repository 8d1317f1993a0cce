"""Canonical JSON and SHA-256: the one encoding the hub hashes, signs and stores.

Sorted keys, no spaces, UTF-8 (``ensure_ascii=False``): the access log hashes
each event over this text, a review's digest is taken over it, and the hub's
database stores JSON columns in it, so what is stored already is what was hashed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""One encoder for every call: ``json.dumps`` with these options makes a new one each
time, which costs more than the encoding of a small value."""


def canonical(value: Any) -> str:
    """The canonical text of a JSON value."""
    return CANONICAL.encode(value)


def canonical_bytes(value: Any) -> bytes:
    """The canonical text of a JSON value, as UTF-8 (what a digest or a JWS covers)."""
    return CANONICAL.encode(value).encode()


def sha256_hex(data: str | bytes) -> str:
    """SHA-256 of text (as UTF-8) or bytes, in lower-case hex."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()
