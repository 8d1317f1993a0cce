"""Row scope: a city sees its districts, a province its cities, the nation everything;
a question about a region outside is refused with OUT_OF_SCOPE, naming the argument."""

from __future__ import annotations

import pytest

from xietong.domain.scope import Scope
from xietong.kernel.errors import CodedError, ErrorCode


@pytest.mark.parametrize(
    ("scope", "region", "inside"),
    [
        ("410202", "410202", True),
        ("410202", "410203", False),
        ("410200", "410202", True),
        ("410200", "410100", False),
        ("410000", "410100", True),
        ("410000", "420100", False),
        ("000000", "650102", True),
    ],
)
def test_a_scope_contains_the_regions_under_its_code(scope: str, region: str, inside: bool) -> None:
    assert Scope(scope).contains(region) is inside


@pytest.mark.parametrize(
    ("scope", "prefix"),
    [("410202", "410202"), ("410200", "4102"), ("410000", "41"), ("000000", "")],
)
def test_the_prefix_is_what_every_code_in_scope_starts_with(scope: str, prefix: str) -> None:
    assert Scope(scope).prefix == prefix


def test_narrowing_to_a_region_inside_sees_only_that_region() -> None:
    district = Scope("410200").narrowed("410202", argument="filter.region")

    assert district == Scope("410202")
    assert not district.contains("410203")


def test_narrowing_to_no_region_keeps_the_whole_scope() -> None:
    assert Scope("410200").narrowed(None, argument="region") == Scope("410200")


def test_narrowing_to_a_region_outside_is_out_of_scope_naming_the_argument() -> None:
    with pytest.raises(CodedError) as refused:
        Scope("410202").narrowed("410200", argument="filter.region")

    assert refused.value.code is ErrorCode.OUT_OF_SCOPE
    assert refused.value.extensions["argument"] == "filter.region"
    assert str(refused.value) == "region 410200 is outside region 410202"


def test_a_record_outside_is_refused_and_one_inside_passes() -> None:
    city = Scope("410200")
    city.require("410202", what="institution A", argument="creditCode")

    with pytest.raises(CodedError) as refused:
        city.require("410102", what="institution B", argument="creditCode")

    assert str(refused.value) == "institution B is outside region 410200"
    assert refused.value.extensions["argument"] == "creditCode"
