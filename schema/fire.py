"""Fire safety's part of the joint record."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.domain.records import FireSafetyRecord as FireSafetyRecordData
from xietong.schema.enums import FireAcceptanceStatus
from xietong.schema.mapping import from_record


@strawberry.type(
    description="One campus (校区) an institution teaches in, with its own fire acceptance."
)
class Premises:
    name: str = strawberry.field(description="The campus's name (校区).")
    address: str = strawberry.field(description="Where the campus is.")
    area: int = strawberry.field(description="Floor area in m².")
    acceptance: FireAcceptanceStatus = strawberry.field(
        description="This campus's acceptance today (EXPIRED: passed or filed, past its validity)."
    )
    acceptance_valid_until: date | None = strawberry.field(
        description="When this campus's acceptance or filing ends; null if open-ended."
    )
    document_number: str | None = strawberry.field(
        description="The acceptance or filing document (验收/备案文号); null when not filed."
    )
    open_hazards: int = strawberry.field(description="Fire hazards found here, not yet fixed.")
    sealed: bool = strawberry.field(description="Whether this campus is sealed up (查封).")


@strawberry.type(
    description="Fire acceptance or filing of the premises (消防验收/备案, issued by housing & "
    "construction), and what fire inspections found."
)
class FireSafetyRecord:
    acceptance: FireAcceptanceStatus = strawberry.field(
        description="That of the worst campus today — FAILED, NOT_FILED, EXPIRED, FILED, then "
        "PASSED — so one campus merely filed is not hidden behind another that passed; "
        "Institution.premises lists each."
    )
    acceptance_valid_until: date | None = strawberry.field(
        description="When that acceptance or filing ends; null if open-ended."
    )
    last_inspection_on: date | None = strawberry.field(
        description="The latest fire inspection of any premises."
    )
    open_hazards: int = strawberry.field(description="Fire hazards found and not yet fixed.")
    sealed: bool = strawberry.field(description="Whether a premises is sealed up (查封).")


def fire_safety_of(today: date, found: FireSafetyRecordData | None) -> FireSafetyRecord | None:
    """Fire safety's record as of ``today``: acceptance and validity are the worst
    campus's."""
    if found is None:
        return None
    worst = found.worst_premises(today)
    return from_record(
        FireSafetyRecord,
        found,
        acceptance=found.acceptance_on(today),
        acceptance_valid_until=(
            worst.acceptance_valid_until if worst else found.acceptance_valid_until
        ),
    )
