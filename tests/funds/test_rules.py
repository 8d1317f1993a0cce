"""The release rules without I/O: amounts in fen, the remainder on the last lesson."""

from __future__ import annotations

import pytest

from xietong.funds.rules import amount_fen


@pytest.mark.parametrize(("amount", "lessons"), [(100_000, 3), (99_999, 7), (12_345, 60), (6, 6)])
def test_every_lesson_released_in_any_steps_adds_up_to_the_order(amount: int, lessons: int) -> None:
    for step in (1, 2, 5, lessons):
        paid, first = 0, 1
        while first <= lessons:
            count = min(step, lessons - first + 1)
            paid += amount_fen(amount, lessons, first, count)
            first += count
        assert paid == amount


def test_a_lesson_costs_the_price_rounded_down_and_the_last_takes_the_rest() -> None:
    assert amount_fen(100_000, 3, 1, 1) == 33_333
    assert amount_fen(100_000, 3, 3, 1) == 33_334
    assert amount_fen(100_000, 3, 2, 2) == 66_667
