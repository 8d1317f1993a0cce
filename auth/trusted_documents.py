"""Trusted documents: the GraphQL documents each client is registered to run.

Departments agree on the questions they ask each other; the agreed documents are
registered per client and named by their SHA-256, as the GraphQL-over-HTTP
persisted documents convention has it (``{"documentId": "sha256:<hex>"}``). A
client may send the id instead of the text; a client set to trusted documents only
(``ClientRegistry.require_trusted_documents``) runs nothing else.

Reads are not cached, like the client registry's: a document removed stops
working at once on every worker. An id names exactly one text, so the lookup is
one primary-key read.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

from graphql import GraphQLSyntaxError, parse
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.auth.identity_errors import UnknownClientError
from xietong.kernel.canonical import sha256_hex
from xietong.kernel.db import lookup
from xietong.kernel.store import Client, TrustedDocument

DOCUMENT_ID_PREFIX = "sha256:"
_DOCUMENT_ID = re.compile(r"sha256:[0-9a-f]{64}")
MAX_DOCUMENT_CHARS = 100_000


class TrustedDocumentError(ValueError):
    """A document that cannot be registered as given; the message says why."""


@dataclass(frozen=True, slots=True)
class TrustedDocumentRecord:
    client_id: str
    document_id: str
    document: str
    name: str | None
    added_at: datetime


def document_id_of(document: str) -> str:
    """The id of a document's exact text: ``sha256:`` and the SHA-256 of its UTF-8."""
    return DOCUMENT_ID_PREFIX + sha256_hex(document)


def is_document_id(value: object) -> bool:
    """Whether ``value`` is a document id this hub hands out (say no before asking)."""
    return isinstance(value, str) and _DOCUMENT_ID.fullmatch(value) is not None


class TrustedDocuments:
    """Adds, lists, finds and removes the documents registered per client."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        lookup_engine: Engine | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lookup_engine = lookup_engine

    async def add(
        self,
        client_id: str,
        document: str,
        *,
        name: str | None = None,
        document_id: str | None = None,
    ) -> tuple[TrustedDocumentRecord, bool]:
        """Register ``document`` for the client; ``(record, True)`` if it is new,
        ``(the registered record, False)`` if it was already there.

        ``document_id``, when a manifest gives one, must be the text's own id.

        Example::

            await documents.add("edu-kaifeng", "query Me { me { clientId } }", name="me.graphql")
        """
        _check_document(document)
        own_id = document_id_of(document)
        if document_id is not None and document_id != own_id:
            raise TrustedDocumentError(
                f"{document_id} is not the id of its document, whose SHA-256 gives {own_id}"
            )
        row = TrustedDocument(
            client_id=client_id,
            document_id=own_id,
            document=document,
            name=_checked_name(name),
            added_at=self._clock(),
        )
        try:
            async with self._sessions() as session, session.begin():
                if await session.get(Client, client_id) is None:
                    raise UnknownClientError(f"no client is registered as '{client_id}'")
                existing = await session.get(TrustedDocument, (client_id, own_id))
                if existing is not None:
                    return _record(existing), False
                session.add(row)
        except IntegrityError:  # the same document added at the same moment elsewhere
            found = await self.get(client_id, own_id)
            if found is None:
                raise
            return found, False
        return _record(row), True

    async def get(self, client_id: str, document_id: str) -> TrustedDocumentRecord | None:
        async with self._sessions() as session:
            row = await session.get(TrustedDocument, (client_id, document_id))
            return _record(row) if row is not None else None

    async def find(self, client_id: str, document_id: str) -> str | None:
        """The text registered for the client under ``document_id``, if any (the
        per-request read)."""
        if not is_document_id(document_id):
            return None
        if self._lookup_engine is not None:
            return await asyncio.to_thread(_find, self._lookup_engine, client_id, document_id)
        found = await self.get(client_id, document_id)
        return found.document if found is not None else None

    async def list_for(self, client_id: str | None = None) -> list[TrustedDocumentRecord]:
        """Every registered document, or one client's, by client then time added."""
        query = select(TrustedDocument).order_by(
            TrustedDocument.client_id, TrustedDocument.added_at, TrustedDocument.document_id
        )
        if client_id is not None:
            query = query.where(TrustedDocument.client_id == client_id)
        async with self._sessions() as session:
            return [_record(row) for row in (await session.scalars(query)).all()]

    async def remove(self, client_id: str, document_id: str) -> TrustedDocumentRecord:
        """Unregister a document: the client's next request naming it is refused."""
        async with self._sessions() as session, session.begin():
            row = await session.get(TrustedDocument, (client_id, document_id))
            if row is None:
                raise TrustedDocumentError(
                    f"no document {document_id} is registered for client '{client_id}'"
                )
            record = _record(row)
            await session.delete(row)
            return record


def _check_document(document: str) -> None:
    if not document.strip():
        raise TrustedDocumentError("the document is empty")
    if len(document) > MAX_DOCUMENT_CHARS:
        raise TrustedDocumentError(f"the document is over {MAX_DOCUMENT_CHARS:,} characters")
    try:
        parse(document)
    except GraphQLSyntaxError as error:
        raise TrustedDocumentError(f"the document is not GraphQL: {error.message}") from None


def _checked_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    return name[:200] or None


def _find(engine: Engine, client_id: str, document_id: str) -> str | None:
    def read(connection: Connection) -> str | None:
        with Session(connection) as session:
            row = session.get(TrustedDocument, (client_id, document_id))
            return row.document if row is not None else None

    return lookup(engine, read)


def _record(row: TrustedDocument) -> TrustedDocumentRecord:
    return TrustedDocumentRecord(
        client_id=row.client_id,
        document_id=row.document_id,
        document=row.document,
        name=row.name,
        added_at=as_utc(row.added_at),
    )
