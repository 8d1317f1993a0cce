"""Types are filled from records by field name: a new field needs no mapper."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
import strawberry

from xietong.schema.mapping import RecordFieldMissingError, from_record, from_records


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    deadline: date
    content: str


@dataclass(frozen=True, slots=True)
class VisitRecord:
    visited_on: date
    inspector: str
    seal_number: str | None
    """A field added to the record and to its type, and nowhere else."""
    notices: tuple[NoticeRecord, ...]
    follow_up: NoticeRecord | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnsealedVisitRecord:
    visited_on: date
    inspector: str


@strawberry.type
class Notice:
    deadline: date
    content: str


@strawberry.type
class Visit:
    record: strawberry.Private[VisitRecord]
    visited_on: date
    inspector: str
    seal_number: str | None
    notices: list[Notice]
    follow_up: Notice | None
    tags: list[str]

    @strawberry.field
    def overdue(self) -> bool:
        return any(notice.deadline < date(2026, 1, 1) for notice in self.record.notices)


@strawberry.type
class SealedVisit:
    visited_on: date
    seal_number: str


VISIT = VisitRecord(
    visited_on=date(2026, 3, 2),
    inspector="王建国",
    seal_number="汴消封〔2026〕7号",
    notices=(NoticeRecord(date(2025, 12, 1), "疏散通道"),),
    follow_up=None,
    tags=("joint", "night"),
)


def visit(**changes: Any) -> VisitRecord:
    return replace(VISIT, **changes)


def test_a_field_on_the_record_and_the_type_is_filled_without_a_mapper() -> None:
    filled = from_record(Visit, visit())

    assert filled.seal_number == "汴消封〔2026〕7号"
    assert (filled.visited_on, filled.inspector) == (date(2026, 3, 2), "王建国")


def test_nested_records_become_their_types_in_lists_and_optionals() -> None:
    follow_up = NoticeRecord(date(2026, 4, 1), "复查")

    filled = from_record(Visit, visit(follow_up=follow_up))

    assert [(n.deadline, n.content) for n in filled.notices] == [(date(2025, 12, 1), "疏散通道")]
    assert isinstance(filled.notices[0], Notice)
    assert isinstance(filled.follow_up, Notice)
    assert filled.follow_up.content == "复查"
    assert from_record(Visit, visit()).follow_up is None


def test_list_fields_are_lists_so_that_masks_apply_to_them() -> None:
    # the policy's masks walk lists only: a tuple would pass unmasked
    assert from_record(Visit, visit()).tags == ["joint", "night"]


def test_the_record_itself_is_kept_for_the_types_resolvers() -> None:
    record = visit()

    assert from_record(Visit, record).record is record


@strawberry.type
class Query:
    @strawberry.field
    def visit(self) -> Visit:
        return from_record(Visit, VISIT)


def test_a_field_with_a_resolver_is_answered_by_it_not_read_from_the_record() -> None:
    assert not hasattr(VISIT, "overdue")

    result = strawberry.Schema(query=Query).execute_sync(
        "{ visit { overdue sealNumber notices { content } } }"
    )

    assert result.errors is None
    assert result.data == {
        "visit": {
            "overdue": True,
            "sealNumber": "汴消封〔2026〕7号",
            "notices": [{"content": "疏散通道"}],
        }
    }


def test_a_field_the_record_lacks_fails_naming_the_type_the_field_and_the_record() -> None:
    with pytest.raises(RecordFieldMissingError) as raised:
        from_record(SealedVisit, UnsealedVisitRecord(date(2026, 3, 2), "王建国"))

    assert str(raised.value).startswith("SealedVisit.seal_number: no attribute")
    assert "UnsealedVisitRecord" in str(raised.value)


def test_a_list_with_one_record_lacking_a_field_fails_the_same_way() -> None:
    records = [visit(), UnsealedVisitRecord(date(2026, 3, 2), "王建国")]

    with pytest.raises(RecordFieldMissingError, match=r"^SealedVisit\.seal_number"):
        from_records(SealedVisit, records)


def test_a_field_given_by_keyword_need_not_be_on_the_record() -> None:
    filled = from_record(
        SealedVisit, UnsealedVisitRecord(date(2026, 3, 2), "王建国"), seal_number="未查封"
    )

    assert (filled.visited_on, filled.seal_number) == (date(2026, 3, 2), "未查封")


def test_a_field_given_by_keyword_replaces_the_records_value() -> None:
    filled = from_record(Visit, visit(), inspector="李娜")

    assert filled.inspector == "李娜"
    assert from_record(Visit, visit()).inspector == "王建国"
