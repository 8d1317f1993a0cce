"""The check characters of credit codes and ID numbers (DESIGN §5): the error functions
every source's keys pass through agree with the check-character functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xietong.kernel.identifiers import (
    CREDIT_CODE_ALPHABET,
    credit_code_check,
    credit_code_error,
    id_number_check,
    id_number_error,
)

BODIES = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)
BIRTHS = st.dates().map(lambda day: f"{day.year:04d}{day.month:02d}{day.day:02d}")


@given(body=BODIES, last=st.sampled_from(CREDIT_CODE_ALPHABET))
def test_a_credit_code_is_valid_exactly_with_its_check_character(body: str, last: str) -> None:
    valid = last == credit_code_check(body)
    assert (credit_code_error(body + last) is None) is valid


@given(code=st.text(alphabet=CREDIT_CODE_ALPHABET + "IOSVZa0", min_size=16, max_size=19))
def test_a_credit_code_outside_the_alphabet_or_length_is_refused(code: str) -> None:
    well_formed = len(code) == 18 and all(c in CREDIT_CODE_ALPHABET for c in code)
    if not well_formed:
        assert credit_code_error(code) is not None
    else:
        assert (credit_code_error(code) is None) is (credit_code_check(code[:17]) == code[17])


@given(
    region=st.text(alphabet="0123456789", min_size=6, max_size=6),
    birth=BIRTHS,
    serial=st.text(alphabet="0123456789", min_size=3, max_size=3),
    last=st.sampled_from("0123456789X"),
)
def test_an_id_number_is_valid_exactly_with_its_check_digit(
    region: str, birth: str, serial: str, last: str
) -> None:
    body = region + birth + serial
    assert (id_number_error(body + last) is None) is (last == id_number_check(body))


def test_an_id_number_in_other_unicode_digits_is_judged_as_before() -> None:
    body = "11010519491231002"
    wide = body.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert id_number_error(wide + id_number_check(body)) is None
    assert id_number_error(wide + "Y") is not None
    assert id_number_error("11010519491331002X") == "digits 7-14 are not a real date of birth"
