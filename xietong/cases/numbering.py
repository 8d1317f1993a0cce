"""The official number of a rectification notice: ``汴教整改〔2026〕31号``, the
issuing bureau's abbreviation (configuration), the year in 〔〕 and the notice's
place in that bureau's year. The counter itself is in ``store``."""

from __future__ import annotations

from collections.abc import Mapping

from xietong.domain.departments import Department

NOTICE_WORD = "整改"
"""Rectification."""


def notice_number(prefixes: Mapping[str, str], department: Department, year: int, seq: int) -> str:
    """>>> notice_number({"EDUCATION": "汴教"}, Department.EDUCATION, 2026, 31)
    '汴教整改〔2026〕31号'
    """
    return f"{prefixes[department.value]}{NOTICE_WORD}〔{year}〕{seq}号"
