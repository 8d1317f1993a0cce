"""Validation once per distinct text: the same answers as validating every time."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import validate_document

from xietong.kernel.last_used import LastUsed
from xietong.schema.validation import Validated, ValidationByText


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"hi {name}"


def schema_with(known: Validated) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query, extensions=[lambda: ParserCache(), lambda: ValidationByText(known)]
    )


async def test_a_text_is_validated_once_and_answers_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated: list[int] = []

    def counted(*args: object) -> object:
        validated.append(1)
        return validate_document(*args)  # type: ignore[arg-type]

    monkeypatch.setattr("xietong.schema.validation.validate_document", counted)
    known: Validated = LastUsed(8)
    schema = schema_with(known)
    for _ in range(3):
        good = await schema.execute('{ hello(name: "Li") }')
        assert good.data == {"hello": "hi Li"}
        assert not good.errors
    assert len(validated) == 1
    for _ in range(2):  # refused each time with the same error, validated once
        bad = await schema.execute("{ hello goodbye }")
        assert bad.data is None
        assert [error.message for error in bad.errors or []] == [
            "Cannot query field 'goodbye' on type 'Query'."
        ]
    assert len(validated) == 2
    assert len(known) == 2


async def test_the_kept_errors_are_not_changed_by_a_request() -> None:
    schema = schema_with(LastUsed(8))
    first = await schema.execute("{ nothing }")
    assert first.errors
    first.errors.append(first.errors[0])
    second = await schema.execute("{ nothing }")
    assert len(second.errors or []) == 1
