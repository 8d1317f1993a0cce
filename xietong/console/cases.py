"""The cases inbox of the officer's department (DESIGN §13), read-only for now:
the cases assigned to it, overdue ones marked, exportable like every list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from xietong.console import documents, formatting
from xietong.console.exports import download
from xietong.console.pages import Console
from xietong.console.sessions import Session


async def inbox(console: Console, request: Request, session: Session) -> Response:
    everything = request.query_params.get("all") == "1"
    case_filter = None if everything else {"assignedTo": session.data.get("dept")}
    answer = await console.ask(session, documents.CASES, {"filter": case_filter, "first": 200})
    connection = answer.data.get("cases") or {}
    rows = [edge["node"] for edge in connection.get("edges", [])]
    kind = request.query_params.get("format")
    if kind in ("csv", "xlsx"):
        header = [
            "文号",
            "类型",
            "状态",
            "统一社会信用代码",
            "承办部门",
            "答复期限",
            "逾期",
            "立案时间",
        ]
        table = [
            [
                row.get("number") or "",
                formatting.label("CaseKind", row["kind"]),
                formatting.label("CaseStatus", row["status"]),
                row.get("creditCode") or "",
                formatting.label("Department", row["assignedTo"]),
                formatting.chinese_date(row.get("answerDue")),
                "是" if row.get("overdue") else "否",
                formatting.chinese_datetime(row["openedAt"]),
            ]
            for row in rows
        ]
        return download("案件", kind, "案件", header, table)
    others = {str(e.get("message")): e for e in answer.errors}
    return console.render(
        "cases.html", session, rows=rows, everything=everything, errors=list(others.values())
    )
