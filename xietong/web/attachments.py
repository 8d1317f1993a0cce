"""``PUT`` and ``GET /cases/{caseId}/attachments/{sha256}``: an inspection's files.

A bearer token like any request; the policy decides as for the GraphQL fields they
stand for (upload: whoever may ``recordInspection``; download: whoever may read
``InspectionDetails.attachments``, with the purpose the policy asks), the case's row
scope as for ``Query.case``, and the access log has one event per request (the
upload's committed with it). Refusals are coded like GraphQL errors: NOT_FOUND
(404, an unknown case or file), TOO_LARGE (413), HASH_MISMATCH (422), FORBIDDEN or
PURPOSE_REQUIRED (403).

    curl -X PUT -H "Authorization: Bearer $TOKEN" --data-binary @photo.jpg \\
         $HUB/cases/$CASE/attachments/$(sha256sum photo.jpg | cut -c1-64)
"""

from __future__ import annotations

import json
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xietong.audit.events import AuditOutcome, draft_of
from xietong.audit.in_transaction import WriteEvent
from xietong.auth.backend import principal_of, unauthenticated_response
from xietong.auth.decisions import decide
from xietong.cases.attachments import Attachment, AttachmentService
from xietong.cases.records import CaseErrorCode, CaseFailure
from xietong.resolvers.context import HubContext
from xietong.resolvers.writes import write_event
from xietong.web.graphql import record_statement
from xietong.web.graphql_http import RequestProblem, problem_response
from xietong.web.purpose import stated
from xietong.web.reload import CurrentGraphQL

PREFIX = "/cases/"
PATH = PREFIX + "{case_id}/attachments/{sha256}"
UPLOAD_RIGHT = "Mutation.recordInspection"
READ_RIGHT = "InspectionDetails.attachments"
STATUS = {
    CaseErrorCode.NOT_FOUND: 404,
    CaseErrorCode.TOO_LARGE: 413,
    CaseErrorCode.HASH_MISMATCH: 422,
    CaseErrorCode.NOT_PERMITTED: 403,
    CaseErrorCode.OUT_OF_SCOPE: 403,
    CaseErrorCode.INVALID: 400,
}


class Attachments:
    """The endpoint, over the policy in force (a reload replaces it)."""

    def __init__(self, graphql: CurrentGraphQL) -> None:
        self.graphql = graphql

    def routes(self) -> list[Route]:
        return [Route(PATH, self.respond, methods=["GET", "PUT"])]

    async def respond(self, request: Request) -> Response:
        principal = principal_of(request.scope)
        if principal is None:
            return unauthenticated_response(
                "a bearer access token is required", invalid_token=False
            )
        try:
            context = HubContext(
                request=request,
                hub=request.app.state.hub,
                policy=self.graphql.endpoint.policy,
                principal=principal,
            )
            record_statement(request.scope, stated(request.headers), context)
        except RequestProblem as problem:
            return problem_response(problem, "application/json")
        case_id, sha256 = request.path_params["case_id"], request.path_params["sha256"]
        uploading = request.method == "PUT"
        event = write_event(context)  # who asks and why, on the request's event
        draft = draft_of(request.scope)
        if draft is not None:
            draft.operation_type = "attachment"
            draft.operation_name = "UploadAttachment" if uploading else "DownloadAttachment"
            draft.record_keys = [f"asked:id:{case_id}", f"asked:sha256:{sha256}"]
        right = UPLOAD_RIGHT if uploading else READ_RIGHT
        decided = decide(
            context.policy, frozenset({right}), principal.roles, purpose=context.purpose is not None
        )
        refusal = decided.refused.get(right)
        if refusal is not None:
            return _refused(request, refusal.code.value, refusal.message, 403)
        attachments = AttachmentService(
            context.hub.sessions,
            context.hub.settings.cases,
            event=WriteEvent(draft) if draft is not None and event is not None else None,
        )
        if uploading:
            data = await _body(request, attachments.largest_file)
            if data is None:
                failure = CaseFailure(
                    CaseErrorCode.TOO_LARGE, f"over {attachments.largest_file} bytes a file"
                )
                return _failed(request, failure)
            stored = await attachments.upload(context.actor, case_id, sha256, data)
            if isinstance(stored, CaseFailure):
                return _failed(request, stored)
            return _json(_described(stored), 201)
        found = await attachments.download(context.actor, case_id, sha256)
        if isinstance(found, CaseFailure):
            return _failed(request, found)
        if draft is not None:
            draft.fields_read = [READ_RIGHT]
            draft.record_keys = [*draft.record_keys, f"returned:id:{case_id}"]
        name = found.attachment.name
        return Response(
            found.data,
            media_type=found.attachment.media_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None past ``limit`` bytes (read no further)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _described(attachment: Attachment) -> dict[str, object]:
    return {
        "caseId": attachment.case_id,
        "name": attachment.name,
        "mediaType": attachment.media_type,
        "sha256": attachment.sha256,
        "size": attachment.size,
        "uploadedAt": attachment.uploaded_at.isoformat() if attachment.uploaded_at else None,
    }


def _failed(request: Request, failure: CaseFailure) -> Response:
    return _refused(request, failure.code.value, failure.message, STATUS.get(failure.code, 400))


def _refused(request: Request, code: str, message: str, status: int) -> Response:
    draft = draft_of(request.scope)
    if draft is not None:
        draft.outcome = AuditOutcome.DENIED if status in {403, 404} else AuditOutcome.ERROR
        draft.error_codes = [code]
    return _json({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def _json(body: dict[str, object], status: int) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
    )
