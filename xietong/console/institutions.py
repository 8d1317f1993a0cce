"""Search and the joint record of one institution."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from xietong.console import documents, formatting
from xietong.console.exports import download
from xietong.console.hub_client import GraphQLAnswer
from xietong.console.pages import Console
from xietong.console.sessions import Session
from xietong.kernel.identifiers import credit_code_error

SEARCH_KINDS = {"name": "机构名称", "code": "统一社会信用代码", "legal": "法定代表人"}
MAX_RESULTS = 200

SECTIONS: dict[str, tuple[str, str]] = {
    # field: (heading, the department that holds it)
    "license": ("办学许可证", "EDUCATION"),
    "registration": ("工商登记", "MARKET_SUPERVISION"),
    "premises": ("场所", "FIRE_SAFETY"),
    "fireSafety": ("消防安全", "FIRE_SAFETY"),
    "staff": ("从业人员", "EDUCATION"),
    "courses": ("课程", "EDUCATION"),
    "funds": ("资金监管", "FINANCE"),
    "inspections": ("检查记录", "EDUCATION"),
    "rectificationNotices": ("整改通知书", "EDUCATION"),
    "complaints": ("投诉", "MARKET_SUPERVISION"),
    "tipOffs": ("举报", "EDUCATION"),
    "annualReviews": ("年度检查", "EDUCATION"),
    "risk": ("风险信号", "EDUCATION"),
}
FIELD_HOLDERS = {"backgroundCheck": "PUBLIC_SECURITY"}


async def search(console: Console, request: Request, session: Session) -> Response:
    query = request.query_params.get("q", "").strip()[:100]
    kind = request.query_params.get("by", "name")
    kind = kind if kind in SEARCH_KINDS else "name"
    rows: list[dict[str, Any]] = []
    total = 0
    problem: str | None = None
    answer: GraphQLAnswer | None = None
    if query:
        if kind == "code":
            code = query.upper()
            if credit_code_error(code) is not None:
                problem = "统一社会信用代码格式不正确（18 位，含校验位）。"
            else:
                answer = await console.ask(session, documents.SEARCH_BY_CODE, {"code": code})
                found = answer.data.get("institution")
                rows = [found] if found else []
                total = len(rows)
        else:
            field = "nameContains" if kind == "name" else "legalRepresentative"
            answer = await console.ask(
                session,
                documents.SEARCH_BY_FILTER,
                {"filter": {field: query}, "first": MAX_RESULTS},
            )
            connection = answer.data.get("institutions") or {}
            rows = [edge["node"] for edge in connection.get("edges", [])]
            total = int(connection.get("totalCount") or 0)
        if answer is not None and not rows and answer.errors:
            problem = "；".join(
                formatting.error_label((e.get("extensions") or {}).get("code"))
                + "："
                + str(e.get("message", ""))
                for e in answer.errors
            )
    kind_of_export = request.query_params.get("format")
    if kind_of_export in ("csv", "xlsx"):
        header = [
            "统一社会信用代码",
            "机构名称",
            "行政区划",
            "类别",
            "法定代表人",
            "许可证状态",
            "风险等级",
        ]
        table = [
            [
                row["creditCode"],
                row["name"],
                row["region"],
                formatting.label("InstitutionCategory", row.get("category")),
                (row.get("registration") or {}).get("legalRepresentative", ""),
                formatting.label("LicenseStatus", (row.get("license") or {}).get("status")),
                formatting.label("RiskLevel", (row.get("risk") or {}).get("level")),
            ]
            for row in rows
        ]
        return download(f"机构检索-{query}", kind_of_export, "机构检索", header, table)
    return console.render(
        "search.html",
        session,
        query=query,
        kind=kind,
        kinds=SEARCH_KINDS,
        rows=rows,
        total=total,
        problem=problem,
    )


def _refusal(answer: GraphQLAnswer, *path: str | int) -> str | None:
    """The error code at ``path`` if the hub refused or could not give it."""
    for error in answer.errors_at("institution", *path):
        if tuple(error.get("path") or ()) == ("institution", *path):
            return str((error.get("extensions") or {}).get("code"))
    return None


async def joint_record(console: Console, request: Request, session: Session) -> Response:
    code = request.path_params["code"].upper()
    if credit_code_error(code) is not None:
        return console.render(
            "error.html", session, status=400, message="统一社会信用代码格式不正确。"
        )
    answer = await console.ask(session, documents.JOINT_RECORD, {"code": code})
    institution = answer.data.get("institution")
    if institution is None:
        codes = answer.codes()
        message = (
            "超出管辖区域：该机构不在您的管辖区域内。"
            if "OUT_OF_SCOPE" in codes
            else "未找到该机构。"
        )
        if "PURPOSE_REQUIRED" in codes:
            message = "须填写事由后方可查询。"
        return console.render("error.html", session, status=404, message=message)
    refused = {
        field: _refusal(answer, field) for field in SECTIONS if _refusal(answer, field) is not None
    }
    cells: dict[tuple[str, int, str], str] = {}
    for error in answer.errors:
        path = tuple(error.get("path") or ())
        if len(path) >= 4 and path[0] == "institution" and isinstance(path[2], int):
            cells[(str(path[1]), int(path[2]), str(path[3]))] = str(
                (error.get("extensions") or {}).get("code")
            )
    return console.render(
        "institution.html",
        session,
        i=institution,
        sections=SECTIONS,
        refused=refused,
        cells=cells,
        holders=FIELD_HOLDERS,
    )
