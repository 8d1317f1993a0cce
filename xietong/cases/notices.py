"""Hub notices and inspections as the joint record shows them, beside the education
bureau's own (``domain.records``, origin HUB), so that ``Institution.inspections``,
``Institution.rectificationNotices`` and the OPEN_RECTIFICATION rule count both."""

from __future__ import annotations

from datetime import date

from xietong.cases.records import FINAL, CaseKind, CaseRecord
from xietong.domain.records import (
    Inspection,
    RecordOrigin,
    RectificationNotice,
    RectificationStatus,
)


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


def as_inspection(case: CaseRecord) -> Inspection:
    """A hub inspection as the joint record shows it: its departments as the
    inspector, its findings as the result."""
    assert case.kind is CaseKind.INSPECTION, case.kind
    details = case.details
    findings = "; ".join(
        f"{f['department']} {f['item']}: {f['result']}" for f in details["findings"]
    )
    return Inspection(
        inspected_on=date.fromisoformat(str(details["inspectedOn"])),
        inspector=", ".join(str(d) for d in details["departments"]),
        result=findings or str(details["inspectionKind"]),
        notices=(),
        origin=RecordOrigin.HUB,
        case_id=case.id,
    )
