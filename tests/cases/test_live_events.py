"""Live events read back from the bus: what the hub sends round-trips; anything
else on the channel (a stranger's message, a newer hub's shape) is ignored, never
an error in a subscriber's stream."""

from __future__ import annotations

from datetime import UTC, datetime

from xietong.cases.live import Assignment, AssignmentReason, RiskRaise
from xietong.domain.departments import Department
from xietong.domain.risk import RiskLevel
from xietong.kernel.live_bus import LiveEvent

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_what_the_hub_sends_round_trips_through_the_wire() -> None:
    assigned = Assignment("c-1", Department.FIRE_SAFETY, "410202", AssignmentReason.OVERDUE, AT)
    raised = RiskRaise("91410204MA9F1A2B3C", "410204", RiskLevel.HIGH, RiskLevel.LOW, AT)

    wire = [LiveEvent.decoded(e.event().encoded()) for e in (assigned, raised)]

    assert wire[0] is not None
    assert wire[1] is not None
    assert Assignment.of(wire[0]) == assigned
    assert RiskRaise.of(wire[1]) == raised
    assert Assignment.of(wire[1]) is None
    assert RiskRaise.of(wire[0]) is None


def test_anything_else_on_the_channel_is_ignored() -> None:
    assert LiveEvent.decoded("not json") is None
    assert LiveEvent.decoded('{"topic": "caseAssigned"}') is None
    assert Assignment.of(LiveEvent("caseAssigned", {"caseId": "c-1"})) is None
    odd = {"caseId": "c", "department": "NOBODY", "region": "410202", "reason": "x", "at": "?"}
    assert Assignment.of(LiveEvent("caseAssigned", odd)) is None
    weird = {"creditCode": "x", "region": "410202", "level": "EXTREME", "previous": "LOW"}
    assert RiskRaise.of(LiveEvent("riskRaised", {**weird, "at": AT.isoformat()})) is None
