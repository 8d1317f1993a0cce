"""How the console writes values for Chinese readers: enum labels from the schema's
glossary, dates as 2026年11月30日, amounts as ¥1,234.56."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from xietong.schema.labels import GLOSSARY

CHINA = ZoneInfo("Asia/Shanghai")

_LABELS: dict[str, dict[str, str]] = {
    enum.__name__: {name: term.label for name, term in terms.items()}
    for enum, terms in GLOSSARY.items()
}

ROLE_LABELS = {
    "education.supervisor": "教育督导",
    "market.officer": "市场监管",
    "police.officer": "公安",
    "fire.officer": "消防",
    "finance.officer": "财政金融",
    "culture.supervisor": "文旅主管",
    "tech.supervisor": "科技主管",
    "sports.supervisor": "体育主管",
    "auditor": "审计",
    "admin": "运维",
}

ERROR_LABELS = {
    "FORBIDDEN": "无权查看",
    "PURPOSE_REQUIRED": "须填写事由",
    "OUT_OF_SCOPE": "超出管辖区域",
    "NOT_FOUND": "未找到",
    "BAD_USER_INPUT": "输入有误",
    "SOURCE_UNAVAILABLE": "部门系统暂不可用",
    "UNAUTHENTICATED": "登录已失效",
    "RATE_LIMITED": "请求过于频繁",
    "QUERY_TOO_COMPLEX": "查询过于复杂",
    "INTERNAL": "系统内部错误",
}


def label(enum: str, value: object) -> str:
    """The Chinese label of ``value`` of the schema enum named ``enum``; the value itself
    when it has none (so nothing is ever hidden by a missing label)."""
    if value is None:
        return "—"
    return _LABELS.get(enum, {}).get(str(value), str(value))


def chinese_date(value: object) -> str:
    """``2026-11-30`` (or a datetime) → ``2026年11月30日``."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        day = value.astimezone(CHINA).date() if value.tzinfo else value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = str(value)
        try:
            if "T" in text:
                return chinese_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
            day = date.fromisoformat(text[:10])
        except ValueError:
            return text
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_datetime(value: object) -> str:
    """A time of the access log or a signature, in Beijing time: 2026年11月30日 14:05."""
    if value in (None, ""):
        return "—"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(CHINA)
    except ValueError:
        return str(value)
    return f"{chinese_date(moment)} {moment:%H:%M}"


def beijing_time(value: object) -> str:
    """The same moment as ``chinese_datetime``, written ``2026-11-30 14:05``."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(CHINA)
    except ValueError:
        return str(value)
    return f"{moment:%Y-%m-%d %H:%M}"


def yuan(value: object) -> str:
    """``"1234.5"`` → ``¥1,234.50``."""
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def percent(value: object) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(str(value)) * 100:.1f}%"
    except ValueError:
        return str(value)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def error_label(code: object) -> str:
    return ERROR_LABELS.get(str(code), str(code))
