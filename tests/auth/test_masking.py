"""Mask formats of DESIGN §7: what a masked reader actually sees."""

from __future__ import annotations

import pytest

from xietong.auth.masking import mask_account_number, mask_id_number, mask_name


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("41020219900101123X", "410202********123X"),
        ("11010519491231002X", "110105********002X"),
    ],
)
def test_id_numbers_keep_the_region_and_the_last_four(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("张", "张*"),
    ],
)
def test_names_keep_only_the_surname(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


def test_account_numbers_keep_the_last_four() -> None:
    assert mask_account_number("6222020200112233445") == "****3445"


def test_a_short_value_reveals_nothing() -> None:
    assert mask_id_number("12345") == "*****"
    assert mask_account_number("123") == "****"
