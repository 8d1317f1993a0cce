"""The district dashboard (institutions by risk level and district, supervision rate,
unlicensed leads) as inline SVG drawn on the server, and a person's record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from xietong.console import documents, formatting
from xietong.console.exports import download
from xietong.console.pages import Console
from xietong.console.sessions import Session
from xietong.kernel.identifiers import id_number_error

RISK_COLOURS = {"HIGH": "#b00020", "MEDIUM": "#e08a00", "LOW": "#3a8d4f"}
BAR_HEIGHT = 22
LABEL_WIDTH = 130
CHART_WIDTH = 360


@dataclass(frozen=True, slots=True)
class Segment:
    x: float
    width: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class Bar:
    y: int
    label: str
    segments: tuple[Segment, ...]
    text: str


def _stacked(groups: list[dict[str, Any]]) -> list[Bar]:
    """Institutions by risk level, one bar a district, scaled to the largest district."""
    largest = max((int(g["institutions"]) for g in groups), default=0) or 1
    bars = []
    for place, group in enumerate(groups):
        x = float(LABEL_WIDTH)
        segments = []
        for level in ("HIGH", "MEDIUM", "LOW"):
            count = next(
                (int(c["count"]) for c in group.get("riskLevels") or [] if c["level"] == level), 0
            )
            width = CHART_WIDTH * count / largest
            segments.append(
                Segment(
                    x, width, RISK_COLOURS[level], f"{formatting.label('RiskLevel', level)} {count}"
                )
            )
            x += width
        bars.append(
            Bar(
                place * (BAR_HEIGHT + 6),
                group["label"],
                tuple(segments),
                str(group["institutions"]),
            )
        )
    return bars


def _simple(groups: list[dict[str, Any]], field: str, *, rate: bool = False) -> list[Bar]:
    values = [float(g.get(field) or 0) for g in groups]
    largest = 1.0 if rate else (max(values, default=0) or 1.0)
    return [
        Bar(
            place * (BAR_HEIGHT + 6),
            group["label"],
            (Segment(LABEL_WIDTH, CHART_WIDTH * value / largest, "#3f51b5", ""),),
            formatting.percent(group.get(field)) if rate else str(group.get(field) or 0),
        )
        for place, (group, value) in enumerate(zip(groups, values, strict=True))
    ]


async def dashboard(console: Console, request: Request, session: Session) -> Response:
    answer = await console.ask(session, documents.DASHBOARD, {"region": None})
    statistics = answer.data.get("statistics")
    groups = list((statistics or {}).get("groups") or [])
    kind = request.query_params.get("format")
    if kind in ("csv", "xlsx"):
        header = ["区县", "机构数", "高风险", "中风险", "低风险", "持证", "无证线索", "资金监管率"]
        rows = [
            [
                g["label"],
                g["institutions"],
                *(
                    next((c["count"] for c in g.get("riskLevels") or [] if c["level"] == level), "")
                    for level in ("HIGH", "MEDIUM", "LOW")
                ),
                g.get("licensed") if g.get("licensed") is not None else "无权查看",
                g.get("unlicensedLeads") if g.get("unlicensedLeads") is not None else "无权查看",
                formatting.percent(g.get("custodySupervisionRate")),
            ]
            for g in groups
        ]
        return download("辖区概览", kind, "辖区概览", header, rows)
    height = max(1, len(groups)) * (BAR_HEIGHT + 6)
    # A count the officer's role may not read is refused once per group: say it once.
    refused = {
        str(error["path"][-1])
        for error in answer.errors
        if (error.get("extensions") or {}).get("code") == "FORBIDDEN" and error.get("path")
    }
    others = {
        str(error.get("message")): error
        for error in answer.errors
        if (error.get("extensions") or {}).get("code") != "FORBIDDEN"
    }
    return console.render(
        "dashboard.html",
        session,
        statistics=statistics,
        errors=list(others.values()),
        risk=None if "riskLevels" in refused else _stacked(groups),
        supervision=None
        if "custodySupervisionRate" in refused
        else _simple(groups, "custodySupervisionRate", rate=True),
        leads=None if "unlicensedLeads" in refused else _simple(groups, "unlicensedLeads"),
        height=height,
        width=LABEL_WIDTH + CHART_WIDTH + 60,
        bar_height=BAR_HEIGHT,
        label_width=LABEL_WIDTH,
        colours=RISK_COLOURS,
    )


async def person(console: Console, request: Request, session: Session) -> Response:
    id_number = request.query_params.get("id", "").strip().upper()[:18]
    found: dict[str, Any] | None = None
    problem: str | None = None
    if id_number:
        if id_number_error(id_number) is not None:
            problem = "身份证号格式不正确（18 位，含校验位）。"
        else:
            answer = await console.ask(session, documents.PERSON, {"id": id_number})
            found = answer.data.get("person")
            if found is None:
                codes = answer.codes()
                problem = (
                    "无权查看人员记录。"
                    if "FORBIDDEN" in codes
                    else "；".join(formatting.error_label(c) for c in codes) or "未找到此人。"
                )
    return console.render(
        "person.html", session, id_number=id_number, person=found, problem=problem
    )
