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
    acceptance: FireAcceptanceStatus = strawberry.field(
        description="Acceptance of the worst premises, as of today (EXPIRED once past validity)."
    )
    acceptance_valid_until: date | None = strawberry.field(
        description="When that acceptance or filing ends; null if open-ended."
    )
    last_inspection_on: date | None = strawberry.field(
        description="The latest fire inspection of any premises."
    )
    open_hazards: int = strawberry.field(description="Fire hazards found and not yet fixed.")
    sealed: bool = strawberry.field(description="Whether a premises is sealed up (查封).")
