"""The cases inbox of the officer's department (DESIGN §13): the cases assigned to
it, overdue ones marked, exportable like every list; a case's page with its
timeline, and the acts on it (accept or return a referral, close, refer), each a
mutation through ``/graphql`` under the officer's token, typed refusals in Chinese."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xietong.cases.records import FINAL
from xietong.cases.rules import REFERRAL_TARGETS
from xietong.console import documents, formatting
from xietong.console.english import english, english_code
from xietong.console.exports import download
from xietong.console.pages import PREFIX, Console
from xietong.console.sessions import Session
from xietong.domain.departments import Department

TARGETS = tuple(d.value for d in Department if d in REFERRAL_TARGETS)

# Each act: its mutation, the field it answers in, the form's text field (and the
# input's name for it), and what the officer is told when it is done.
ACTS: dict[str, tuple[str, str, str | None, str]] = {
    "accept": (documents.ACCEPT_CASE, "acceptCase", None, "已接收转办。"),
    "return": (documents.RETURN_CASE, "returnCase", "reason", "已退回。"),
    "close": (documents.CLOSE_CASE, "closeCase", "outcome", "已办结。"),
    "refer": (documents.REFER_CASE, "referCase", "note", "已转办。"),
}

# A CaseError's code, said to the officer in Chinese (the hub's own words follow).
CASE_ERRORS = {
    "NOT_PERMITTED": "本部门无权办理该案件。",
    "OUT_OF_SCOPE": "案件不在本辖区。",
    "WRONG_STATE": "案件当前状态不允许此操作。",
    "VERSION_CONFLICT": "案件已被他人更新，请刷新页面后重试。",
    "NOT_FOUND": "未找到该案件。",
    "TOO_LARGE": "填写内容超出长度限制。",
    "INVALID": "填写内容为空或无效。",
    "HASH_MISMATCH": "附件校验不符。",
}


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


async def case_page(console: Console, request: Request, session: Session) -> Response:
    case_id = request.path_params["case_id"]
    answer = await console.ask(session, documents.CASE, {"id": case_id})
    found = answer.data.get("case")
    if found is None:
        return console.render("error.html", session, status=404, message="未找到该案件。")
    dept = session.data.get("dept")
    open_case = found["status"] not in FINAL
    pending = found.get("referredBy") is not None
    holds = open_case and not pending and found["responsible"] == dept
    # The hub's own officer directory gives the names behind the usernames it logs.
    names: dict[str, str] = {}
    for subject in {step["subject"] for step in found["timeline"]}:
        officer = await console.officers.get(subject)
        if officer is not None:
            names[subject] = officer.name
    return console.render(
        "case.html",
        session,
        c=found,
        names=names,
        may_answer=open_case and pending and found["assignedTo"] == dept,
        may_close=holds,
        may_refer=holds,
        targets=[t for t in TARGETS if t != dept],
        message=request.query_params.get("message"),
    )


async def act(console: Console, request: Request, session: Session) -> Response:
    case_id = request.path_params["case_id"]
    action = request.path_params["action"]
    english_page = session.data.get("lang") == "en"
    say = english if english_page else (lambda text: text)
    form: FormData = request.state.form
    if action not in ACTS:
        return _back(case_id, say("未知操作。"))
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        return _back(case_id, say("版本号缺失，请刷新后重试。"))
    document, name, text_field, done = ACTS[action]
    variables: dict[str, Any] = {"caseId": case_id, "expectedVersion": version}
    if text_field is not None:
        variables[text_field] = str(form.get(text_field, "")).strip()
    if action == "refer":
        target = str(form.get("to", ""))
        if target not in TARGETS:
            return _back(case_id, say("请选择转办部门。"))
        variables["to"] = target
    answer = await console.ask(session, document, {"input": variables})
    result = answer.data.get(name) or {}
    if result.get("__typename") == "Case":
        return _back(case_id, say(done))
    if result.get("__typename") == "CaseError":
        code = str(result["code"])
        heading = english_code(code) if english_page else formatting.label("CaseErrorCode", code)
        words = say(CASE_ERRORS.get(code, "操作未完成。"))
        return _back(case_id, f"{heading}：{words}（{result['message']}）")
    problems = [
        english_code(code) if english_page else formatting.error_label(code)
        for code in sorted(answer.codes())
    ]
    return _back(case_id, "；".join(problems) or say("操作未完成。"))


def _back(case_id: str, message: str) -> Response:
    target = f"{PREFIX}/cases/{quote(case_id, safe='')}?{urlencode({'message': message})}"
    return RedirectResponse(target, status_code=303)
