"""An inspection's attachments (DESIGN §13): declared with the inspection (name,
media type, SHA-256, size), uploaded afterwards by a department the case involves,
read back by whoever may read the case.

The bytes are addressed by their SHA-256, checked against the declaration before
anything is kept, and stored once however many cases cite them: in the hub store
(``case_attachment_blobs``), or in ``XIETONG_CASE_ATTACHMENTS_DIR`` as files named
by their hash (written to a temporary name, then renamed: a reader never sees half
a file). The upload is recorded in one transaction with its access-log event.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.audit.in_transaction import WriteEvent, audited
from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.cases import store
from xietong.cases.records import CaseErrorCode, CaseFailure, CaseKind, CaseRecord
from xietong.cases.rules.common import refusal_to_see, unknown_case
from xietong.domain.actors import Actor
from xietong.kernel.case_settings import CaseSettings
from xietong.kernel.case_tables import AttachmentBlob, CaseAttachment


@dataclass(frozen=True, slots=True)
class Attachment:
    """A declared attachment of a case, and whether its bytes are in."""

    case_id: str
    name: str
    media_type: str
    sha256: str
    size: int
    uploaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class Download:
    attachment: Attachment
    data: bytes


class AttachmentService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: CaseSettings,
        *,
        event: WriteEvent | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._sessions = sessions
        self._directory = settings.attachments_dir
        self._per_file = settings.attachment_bytes
        self._event = event
        self._clock = clock

    @property
    def largest_file(self) -> int:
        return self._per_file

    async def of_case(self, case: CaseRecord) -> list[Attachment]:
        """The case's declared attachments, each saying whether it was uploaded."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(CaseAttachment).where(CaseAttachment.case_id == case.id)
            )
            uploaded = {row.sha256: as_utc(row.uploaded_at) for row in rows if row.uploaded_at}
        return [
            Attachment(
                case.id,
                str(item["name"]),
                str(item["mediaType"]),
                str(item["sha256"]),
                int(item["size"]),
                uploaded.get(str(item["sha256"])),
            )
            for item in case.details.get("attachments", [])
        ]

    async def upload(
        self, actor: Actor, case_id: str, sha256: str, data: bytes
    ) -> Attachment | CaseFailure:
        """Keep ``data`` as the case's attachment ``sha256`` if it is what was declared;
        uploading the same bytes again changes nothing."""
        found = await self._declared(actor, case_id, sha256, reading=False)
        if isinstance(found, CaseFailure):
            return found
        if len(data) > self._per_file:
            return CaseFailure(
                CaseErrorCode.TOO_LARGE, f"over {self._per_file} bytes a file", "body"
            )
        if len(data) != found.size or hashlib.sha256(data).hexdigest() != sha256:
            return CaseFailure(
                CaseErrorCode.HASH_MISMATCH,
                f"the bytes ({len(data)}) are not the declared {found.size} bytes of {sha256}",
                "body",
            )
        if found.uploaded_at is not None:
            return found
        now = self._clock()
        if self._directory is not None:
            _write_file(self._directory, sha256, data)
        async with audited(
            self._sessions, self._event, changed=[f"id:{case_id}", f"sha256:{sha256}"]
        ) as session:
            await _keep_blob(session, sha256, len(data), None if self._directory else data, now)
            session.add(
                CaseAttachment(
                    case_id=case_id,
                    sha256=sha256,
                    name=found.name,
                    media_type=found.media_type,
                    size=found.size,
                    uploaded_at=now,
                    uploaded_by=actor.subject,
                )
            )
        return Attachment(case_id, found.name, found.media_type, sha256, found.size, now)

    async def download(self, actor: Actor, case_id: str, sha256: str) -> Download | CaseFailure:
        found = await self._declared(actor, case_id, sha256, reading=True)
        if isinstance(found, CaseFailure):
            return found
        if found.uploaded_at is None:
            return CaseFailure(
                CaseErrorCode.NOT_FOUND, f"{found.name} has not been uploaded yet", "sha256"
            )
        async with self._sessions() as session:
            blob = await session.get(AttachmentBlob, sha256)
        data = blob.data if blob is not None else None
        if data is None and self._directory is not None:
            data = (self._directory / sha256).read_bytes()
        assert data is not None, "an uploaded attachment has its bytes somewhere"
        return Download(found, data)

    async def _declared(
        self, actor: Actor, case_id: str, sha256: str, *, reading: bool
    ) -> Attachment | CaseFailure:
        """The attachment as declared, if the actor may read the case (auditors too)
        or, not ``reading``, act on it (the departments it involves)."""
        async with self._sessions() as session:
            case = await store.load_case(session, case_id)
        if case is None or case.kind is not CaseKind.INSPECTION:
            return unknown_case(case_id)
        seen = actor.scope.contains(case.region) and case.visible_to(actor.department)
        if not seen or (not reading and refusal_to_see(actor, case) is not None):
            # A case the actor may not see is not there for it (as Query.case says).
            return unknown_case(case_id)
        for attachment in await self.of_case(case):
            if attachment.sha256 == sha256:
                return attachment
        return CaseFailure(
            CaseErrorCode.NOT_FOUND, f"case {case_id} declares no attachment {sha256}", "sha256"
        )


async def _keep_blob(
    session: AsyncSession, sha256: str, size: int, data: bytes | None, now: datetime
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(AttachmentBlob)
        .values(sha256=sha256, size=size, data=data, stored_at=now)
        .on_conflict_do_nothing()
    )


def _write_file(directory: Path, sha256: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / sha256
    if target.exists():
        return
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{sha256}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
