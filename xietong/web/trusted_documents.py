"""Trusted documents at the door: a request may name a registered document by id
(GraphQL over HTTP's persisted documents, ``{"documentId": "sha256:…"}``), and a
client set to trusted documents only runs nothing else.

Which document a request runs is settled here, before GraphQL parses anything; the
access-log event records the document's id (``documentHash``: ``sha256:…``), for a
refused request too.
"""

from __future__ import annotations

from starlette.types import Scope
from strawberry.http import GraphQLRequestData

from xietong.audit.events import draft_of
from xietong.auth.principal import Principal
from xietong.auth.trusted_documents import TrustedDocuments, document_id_of, is_document_id
from xietong.kernel.errors import ErrorCode
from xietong.web.graphql_http import RequestProblem

DOCUMENT_ID_PARAMETER = "documentId"


async def settle_document(
    data: GraphQLRequestData,
    requested_id: object,
    *,
    principal: Principal,
    documents: TrustedDocuments,
    scope: Scope,
) -> None:
    """Put the registered text of ``requested_id`` into ``data``, or check that a
    trusted-documents-only client's text is registered; refuse otherwise."""
    if requested_id is not None:
        if not is_document_id(requested_id):
            raise RequestProblem(
                400,
                f"{DOCUMENT_ID_PARAMETER} must be 'sha256:' and 64 lower-case hex digits "
                "(the SHA-256 of the document's UTF-8 text)",
            )
        assert isinstance(requested_id, str)  # is_document_id says so
        if data.query and document_id_of(data.query) != requested_id:
            raise RequestProblem(400, f"query and {DOCUMENT_ID_PARAMETER} name different documents")
        text = await documents.find(principal.client_id, requested_id)
        if text is None:
            _refused(scope, requested_id)
            raise RequestProblem(
                400,
                f"no document {requested_id} is registered for client '{principal.client_id}'",
                code=ErrorCode.PERSISTED_QUERY_NOT_FOUND,
                graphql_request_error=True,
            )
        data.query = text
        _ran(scope, requested_id)
        return
    if not principal.trusted_documents_only or not data.query:
        return
    own_id = document_id_of(data.query)
    if await documents.find(principal.client_id, own_id) is None:
        _refused(scope, own_id)
        raise RequestProblem(
            400,
            f"client '{principal.client_id}' may run only its registered documents, "
            f"and {own_id} is not one of them",
            code=ErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
            graphql_request_error=True,
            denied=True,
        )
    _ran(scope, own_id)


def _ran(scope: Scope, document_id: str) -> None:
    draft = draft_of(scope)
    if draft is not None:
        draft.trusted_document_id = document_id


def _refused(scope: Scope, document_id: str) -> None:
    draft = draft_of(scope)
    if draft is not None:
        draft.document_hash = document_id
