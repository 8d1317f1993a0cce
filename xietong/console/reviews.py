"""The review inbox of the officer's bureau: open, sign (or dispute by concluding
otherwise), revoke, publish; each signature checked against the hub's JWKS."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from joserfc.jwk import KeySet
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xietong.console import documents, formatting
from xietong.console.exports import download
from xietong.console.pages import PREFIX, Console
from xietong.console.sessions import Session
from xietong.kernel.jws import load_key_set
from xietong.reviews.signing import UnverifiableSignatureError, open_signed_link

CONCLUSIONS = ("EXCELLENT", "PASS", "BASIC_PASS", "FAIL")


async def inbox(console: Console, request: Request, session: Session) -> Response:
    mine = request.query_params.get("awaiting") == "1"
    review_filter: dict[str, Any] = {}
    if mine:
        review_filter["awaitingSignatureFrom"] = session.data.get("dept")
    answer = await console.ask(
        session, documents.REVIEWS, {"filter": review_filter or None, "first": 200}
    )
    connection = answer.data.get("annualReviews") or {}
    rows = [edge["node"] for edge in connection.get("edges", [])]
    kind = request.query_params.get("format")
    if kind in ("csv", "xlsx"):
        header = ["编号", "统一社会信用代码", "机构名称", "年度", "状态", "结论", "待签部门"]
        table = [
            [
                row["id"],
                row["creditCode"],
                (row.get("institution") or {}).get("name", ""),
                row["year"],
                formatting.label("ReviewStatus", row["status"]),
                formatting.label("ReviewConclusion", row.get("conclusion")),
                "、".join(formatting.label("Department", d) for d in row["awaitingSignatureFrom"]),
            ]
            for row in rows
        ]
        return download("年度检查", kind, "年度检查", header, table)
    return console.render(
        "reviews.html",
        session,
        rows=rows,
        mine=mine,
        errors=answer.errors,
        message=request.query_params.get("message"),
    )


async def open_review(console: Console, request: Request, session: Session) -> Response:
    form: FormData = request.state.form
    try:
        year = int(str(form.get("year", "")))
    except ValueError:
        return _back(None, "年度须为数字。")
    answer = await console.ask(
        session,
        documents.OPEN_REVIEW,
        {"input": {"creditCode": str(form.get("creditCode", "")).strip().upper(), "year": year}},
    )
    result = answer.data.get("openAnnualReview") or {}
    if result.get("__typename") == "AnnualReview":
        return RedirectResponse(f"{PREFIX}/reviews/{result['id']}", status_code=303)
    return _back(None, _problem(result, answer))


async def review(console: Console, request: Request, session: Session) -> Response:
    review_id = request.path_params["review_id"]
    answer = await console.ask(session, documents.REVIEW, {"id": review_id})
    found = answer.data.get("annualReview")
    if found is None:
        return console.render("error.html", session, status=404, message="未找到该年度检查。")
    keys = await _keys(console)
    signatures = []
    for signature in found["signatures"]:
        try:
            link = open_signed_link(signature["jws"], keys)
            verified = link.department == signature["department"] and (
                link.signer is None or link.signer == signature["signer"]
            )
            named = link.signer
        except UnverifiableSignatureError:
            verified, named = False, None
        signatures.append({**signature, "verified": verified, "named": named})
    dept = session.data.get("dept")
    return console.render(
        "review.html",
        session,
        r=found,
        signatures=signatures,
        conclusions=CONCLUSIONS,
        may_sign=dept in found["awaitingSignatureFrom"] and found["status"] != "PUBLISHED",
        may_revoke=any(
            s["department"] == dept and s["revokedAt"] is None for s in found["signatures"]
        )
        and found["status"] != "PUBLISHED",
        may_publish=found["status"] == "COSIGNED" and dept in found["requiredSigners"],
        message=request.query_params.get("message"),
    )


async def act(console: Console, request: Request, session: Session) -> Response:
    review_id = request.path_params["review_id"]
    action = request.path_params["action"]
    form: FormData = request.state.form
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        return _back(review_id, "版本号缺失，请刷新后重试。")
    base = {"reviewId": review_id, "expectedVersion": version}
    if action == "sign":
        conclusion = str(form.get("conclusion", ""))
        if conclusion not in CONCLUSIONS:
            return _back(review_id, "请选择结论。")
        document, name = documents.SIGN_REVIEW, "signAnnualReview"
        variables = base | {"conclusion": conclusion, "findings": str(form.get("findings", ""))}
    elif action == "revoke":
        document, name, variables = documents.REVOKE_SIGNATURE, "revokeSignature", base
    elif action == "publish":
        document, name, variables = documents.PUBLISH_REVIEW, "publishAnnualReview", base
    else:
        return _back(review_id, "未知操作。")
    answer = await console.ask(session, document, {"input": variables})
    result = answer.data.get(name) or {}
    if result.get("__typename") == "AnnualReview":
        done = {"sign": "已签署。", "revoke": "已撤回签名。", "publish": "已公示。"}[action]
        return _back(review_id, done)
    return _back(review_id, _problem(result, answer))


def _problem(result: dict[str, Any], answer: Any) -> str:
    if result.get("__typename") == "ReviewError":
        return f"{formatting.label('ReviewErrorCode', result['code'])}：{result['message']}"
    codes = [formatting.error_label(code) for code in answer.codes()]
    return "；".join(codes) or "操作未完成。"


def _back(review_id: str | None, message: str) -> Response:
    target = f"{PREFIX}/reviews/{review_id}" if review_id else f"{PREFIX}/reviews"
    return RedirectResponse(f"{target}?{urlencode({'message': message})}", status_code=303)


async def _keys(console: Console) -> KeySet:
    response = await console.hub.get("/.well-known/jwks.json")
    return load_key_set(response.json())
