"""Public security's part of the joint record: background checks of staff."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.domain.records import BackgroundCheck as BackgroundCheckRecord
from xietong.schema.enums import BackgroundCheckStatus
from xietong.schema.mapping import from_record


@strawberry.type(
    description="A staff member's check for sexual assault, abuse, trafficking "
    "and violence records (从业人员背景核查)."
)
class BackgroundCheck:
    status: BackgroundCheckStatus = strawberry.field(description="The check's outcome.")
    checked_on: date | None = strawberry.field(
        description="When it was checked; null unless checked."
    )
    record_categories: list[str] | None = strawberry.field(
        description="Record categories found (SEXUAL_ASSAULT, ABUSE, TRAFFICKING, VIOLENCE)."
    )


def background_check_of(record: BackgroundCheckRecord | None) -> BackgroundCheck:
    """Public security answers only for people it checked: anyone else is NOT_REQUESTED."""
    if record is None:
        return BackgroundCheck(
            status=BackgroundCheckStatus.NOT_REQUESTED, checked_on=None, record_categories=[]
        )
    return from_record(BackgroundCheck, record)
