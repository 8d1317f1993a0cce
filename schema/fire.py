"""Fire safety's part of the joint record."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.domain.records import FireSafetyRecord as FireSafetyRecordValue
from xietong.schema.enums import FireAcceptanceStatus


@strawberry.type(
    description="Fire acceptance or filing of the premises (消防验收/备案, issued by housing & "
    "construction), and what fire inspections found."
)
class FireSafetyRecord:
    acceptance: FireAcceptanceStatus
    acceptance_valid_until: date | None
    last_inspection_on: date | None
    open_hazards: int
    sealed: bool

    @classmethod
    def from_record(cls, record: FireSafetyRecordValue, today: date) -> FireSafetyRecord:
        return cls(
            acceptance=record.acceptance_on(today),
            acceptance_valid_until=record.acceptance_valid_until,
            last_inspection_on=record.last_inspection_on,
            open_hazards=record.open_hazards,
            sealed=record.sealed,
        )
