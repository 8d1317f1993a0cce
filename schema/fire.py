"""Fire safety's part of the joint record."""

from __future__ import annotations

from datetime import date

import strawberry

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
