"""Masks applied to values a role may see only in part (DESIGN §7).

>>> mask_id_number("41020219900101123X")
'410202********123X'
>>> mask_name("欧阳娜娜")
'欧阳**'
>>> mask_account_number("6222020200112233")
'****2233'
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

# Two-character compound surnames (复姓) keep both characters.
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 "
    "端木 独孤 南宫 西门 百里 呼延 万俟 闻人 赫连 澹台 公冶 宗政 濮阳 太史 申屠".split()
)


def mask_id_number(value: str) -> str:
    """Keep the region (first 6) and the last 4: ``410202********123X``."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """Keep the surname: ``张*``, ``王**``, ``欧阳**``."""
    if not value:
        return value
    surname_length = 2 if value[:2] in _COMPOUND_SURNAMES and len(value) > 2 else 1
    return value[:surname_length] + "*" * max(len(value) - surname_length, 1)


def mask_account_number(value: str) -> str:
    """Keep the last four digits: ``****1234``."""
    return "****" + value[-4:] if len(value) > 4 else "****"


class MaskKind(StrEnum):
    ID_NUMBER = "id_number"
    NAME = "name"
    ACCOUNT_NUMBER = "account_number"


MASKS: dict[MaskKind, Callable[[str], str]] = {
    MaskKind.ID_NUMBER: mask_id_number,
    MaskKind.NAME: mask_name,
    MaskKind.ACCOUNT_NUMBER: mask_account_number,
}
