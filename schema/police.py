"""Public security's part of the joint record: background checks of staff."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.domain.records import BackgroundCheck as BackgroundCheckRecord
from xietong.schema.enums import BackgroundCheckStatus


@strawberry.type(
    description="A staff member's check for sexual assault, abuse, trafficking "
    "and violence records (从业人员背景核查)."
)
class BackgroundCheck:
    status: BackgroundCheckStatus
    checked_on: date | None
    record_categories: list[str] | None

    @classmethod
    def from_record(cls, record: BackgroundCheckRecord | None) -> BackgroundCheck:
        if record is None:
            return cls(
                status=BackgroundCheckStatus.NOT_REQUESTED, checked_on=None, record_categories=[]
            )
        return cls(
            status=record.status,
            checked_on=record.checked_on,
            record_categories=list(record.record_categories),
        )
