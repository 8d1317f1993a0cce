"""An institution's custody ledger (预收费资金监管台账): account, orders, per-lesson
releases, and the education bureau's approval of the lessons consumed."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xietong.console import documents, formatting
from xietong.console.exports import download
from xietong.console.formatting import CHINA
from xietong.console.pages import PREFIX, Console
from xietong.console.sessions import Session
from xietong.kernel.identifiers import credit_code_error


async def ledger(console: Console, request: Request, session: Session) -> Response:
    code = request.path_params["code"].upper()
    if credit_code_error(code) is not None:
        return console.render(
            "error.html", session, status=400, message="统一社会信用代码格式不正确。"
        )
    answer = await console.ask(session, documents.FUNDS, {"code": code})
    institution = answer.data.get("institution")
    if institution is None:
        return console.render("error.html", session, status=404, message="未找到该机构。")
    funds = institution.get("funds")
    refused = any(
        tuple(e.get("path") or ())[:2] == ("institution", "funds")
        and (e.get("extensions") or {}).get("code") == "FORBIDDEN"
        for e in answer.errors
    )
    orders = [edge["node"] for edge in ((funds or {}).get("orders") or {}).get("edges", [])]
    kind = request.query_params.get("format")
    if kind in ("csv", "xlsx"):
        header = [
            "订单号",
            "课程",
            "学员",
            "金额",
            "购买课时",
            "已消课时",
            "已划拨",
            "下单日期",
            "状态",
        ]
        rows = [
            [
                o["number"],
                o["course"],
                o.get("studentName") or "",
                formatting.yuan(o["amount"]),
                o["lessonsBought"],
                o["lessonsReleased"],
                formatting.yuan(o["amountReleased"]),
                formatting.chinese_date(o["orderedOn"]),
                formatting.label("OrderStatus", o["status"]),
            ]
            for o in orders
        ]
        return download(f"资金台账-{code}", kind, "资金台账", header, rows)
    return console.render(
        "funds.html",
        session,
        i=institution,
        funds=funds,
        orders=orders,
        refused=refused,
        today=(console.settings.reference_date or datetime.now(CHINA).date()).isoformat(),
        may_approve=session.data.get("role") == "education.supervisor",
        key=secrets.token_hex(16),
        message=request.query_params.get("message"),
    )


async def approve(console: Console, request: Request, session: Session) -> Response:
    code = request.path_params["code"].upper()
    form: FormData = request.state.form
    through = str(form.get("through", ""))
    try:
        date.fromisoformat(through)
    except ValueError:
        return _back(code, "请填写截止日期。")
    answer = await console.ask(
        session,
        documents.APPROVE_RELEASES,
        {
            "input": {
                "creditCode": code,
                "through": through,
                # One key per submitted form: a resubmission is the same approval.
                "idempotencyKey": str(form.get("key") or secrets.token_hex(16)),
            }
        },
    )
    result = answer.data.get("approveReleases") or {}
    if result.get("__typename") == "LessonRelease":
        message = (
            f"已批准划拨 {result['lessons']} 课时，{formatting.yuan(result['amount'])}"
            f"（{formatting.label('ReleaseStatus', result['status'])}）。"
        )
    elif result.get("__typename") == "ReleaseError":
        message = f"{formatting.label('ReleaseErrorCode', result['code'])}：{result['message']}"
    else:
        message = (
            "；".join(
                f"{formatting.error_label((e.get('extensions') or {}).get('code'))}："
                f"{e.get('message', '')}"
                for e in answer.errors
            )
            or "操作未完成。"
        )
    return _back(code, message)


def _back(code: str, message: str) -> Response:
    return RedirectResponse(
        f"{PREFIX}/funds/{code}?{urlencode({'message': message})}", status_code=303
    )
