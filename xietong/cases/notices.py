"""A hub rectification notice as the joint record shows it, beside the education
bureau's own (``domain.records.RectificationNotice``, origin HUB), so that
``Institution.rectificationNotices`` and the OPEN_RECTIFICATION rule count both."""

from __future__ import annotations

from datetime import date

from xietong.cases.records import FINAL, CaseKind, CaseRecord
from xietong.domain.records import RecordOrigin, RectificationNotice, RectificationStatus


def as_notice(case: CaseRecord) -> RectificationNotice:
    assert case.kind is CaseKind.RECTIFICATION, case.kind
    details = case.details
    items = "; ".join(str(item) for item in details["items"])
    return RectificationNotice(
        issued_on=date.fromisoformat(str(details["issuedOn"])),
        deadline=date.fromisoformat(str(details["deadline"])),
        status=RectificationStatus.CLOSED if case.status in FINAL else RectificationStatus.OPEN,
        content=f"{details['basis']}: {items}",
        origin=RecordOrigin.HUB,
        issued_by=case.opened_by_department,
        number=case.number,
        case_id=case.id,
    )
