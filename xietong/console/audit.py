"""The auditor's page: the access log by officer (name or username), institution
or person, and the hash chain's verification."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from xietong.console import documents, formatting
from xietong.console.exports import download
from xietong.console.pages import Console
from xietong.console.sessions import Session


async def access_log(console: Console, request: Request, session: Session) -> Response:
    officer = request.query_params.get("officer", "").strip()[:100]
    record = request.query_params.get("record", "").strip()[:100]
    subjects: list[str | None] = []
    if officer:
        # The hub's own officer directory maps a name (王芳) to the username the log keeps.
        everyone = await console.officers.list_all()
        subjects = [o.username for o in everyone if officer in (o.name, o.username)] or [officer]
    rows: list[dict[str, Any]] = []
    chain: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = []
    searched = bool(officer or record)
    for subject in subjects or [None]:
        if not searched:
            break
        log_filter = {
            name: value
            for name, value in (("subject", subject), ("recordKey", record or None))
            if value
        }
        answer = await console.ask(
            session, documents.AUDIT_EVENTS, {"filter": log_filter, "first": 500}
        )
        connection = answer.data.get("auditEvents") or {}
        rows += [edge["node"] for edge in connection.get("edges", [])]
        chain = answer.data.get("auditChain") or chain
        errors += answer.errors
    rows.sort(key=lambda row: -int(row["seq"]))
    kind = request.query_params.get("format")
    if kind in ("csv", "xlsx"):
        header = [
            "序号",
            "时间",
            "人员",
            "客户端",
            "部门",
            "事由",
            "案件编号",
            "操作",
            "结果",
            "涉及记录",
        ]
        table = [
            [
                row["seq"],
                formatting.chinese_datetime(row["at"]),
                row.get("subject") or "",
                row.get("clientId") or "",
                formatting.label("Department", row.get("department")),
                row.get("purpose") or "",
                row.get("caseId") or "",
                row.get("operationName") or row.get("operationType") or "",
                formatting.label("AuditOutcome", row["outcome"]),
                " ".join(row.get("recordKeys") or []),
            ]
            for row in rows
        ]
        return download("访问日志", kind, "访问日志", header, table)
    return console.render(
        "audit.html",
        session,
        officer=officer,
        record=record,
        rows=rows,
        chain=chain,
        errors=errors,
        searched=searched,
    )
