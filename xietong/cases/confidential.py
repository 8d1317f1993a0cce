"""A tip-off's reporter, sealed at rest with AES-256-GCM under the newest key in
the hub store (``case_reporter_keys``), the case id as associated data so a sealed
reporter cannot be moved to another case. Only the sealed form is ever stored;
opening it is the schema's ``TipOffDetails.reporter``, which the policy grants to
education with a purpose, so every reading is in the access log.

``xietong keys rotate`` adds a key (``rotate_reporter_key``): new tip-offs are
sealed with it, older ones stay readable under the key that sealed them.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from xietong.cases.records import Reporter
from xietong.kernel.case_tables import ReporterKey

NONCE_BYTES = 12


class SealError(Exception):
    """A sealed reporter cannot be opened: its key is gone or it was tampered with."""


async def seal(session: AsyncSession, case_id: str, reporter: Reporter) -> dict[str, Any]:
    row = await session.scalar(
        select(ReporterKey).order_by(ReporterKey.created_at.desc(), ReporterKey.kid).limit(1)
    )
    if row is None:
        raise SealError("the hub store has no reporter key: run `xietong migrate`")
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps({"name": reporter.name, "phone": reporter.phone}, ensure_ascii=False)
    sealed = AESGCM(bytes.fromhex(row.secret)).encrypt(nonce, plain.encode(), case_id.encode())
    return {"kid": row.kid, "nonce": _b64(nonce), "sealed": _b64(sealed)}


async def open_sealed(session: AsyncSession, case_id: str, sealed: dict[str, Any]) -> Reporter:
    secret = await session.scalar(
        select(ReporterKey.secret).where(ReporterKey.kid == str(sealed["kid"]))
    )
    if secret is None:
        raise SealError(f"reporter key {sealed['kid']} is not in the hub store")
    try:
        plain = AESGCM(bytes.fromhex(secret)).decrypt(
            base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["sealed"]), case_id.encode()
        )
    except InvalidTag:
        raise SealError(f"the reporter of case {case_id} does not open: tampered with") from None
    found = json.loads(plain)
    return Reporter(name=str(found["name"]), phone=str(found["phone"]))


def rotate_reporter_key(engine: Engine) -> str:
    """Add a new newest key; returns its id."""
    kid = secrets.token_hex(8)
    with engine.begin() as connection:
        connection.execute(
            insert(ReporterKey).values(
                kid=kid, secret=secrets.token_hex(32), created_at=datetime.now(UTC)
            )
        )
    return kid


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
