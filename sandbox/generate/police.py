"""Rows of the background check service (``sandbox.schemas.police``) for one plan."""

from __future__ import annotations

from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.generate.identity import PERSON_SLOTS, REFERENCE_ORDINAL, ymd
from xietong.sandbox.generate.plan import InstitutionPlan
from xietong.sandbox.generate.rows import Rows


def emit_police(plan: InstitutionPlan, rows: Rows) -> None:
    """One check per person on the roster the institution owns (borrowed teachers
    are checked through their own institution)."""
    random = plan.rng.random
    flagged_slot = 3 if Anomaly.UNCHECKED_OR_FLAGGED_STAFF in plan.anomalies else -1
    for slot, member in enumerate(plan.staff):
        if not member.owned:
            continue
        asked = member.started + int(random() * 5)
        checked = ymd(asked + 3 + int(random() * 20))
        status = "1"
        records = 0
        if slot == flagged_slot:
            draw = random()
            if draw < 0.4:
                continue  # never submitted: NOT_REQUESTED
            if draw < 0.7:
                status, checked = "2", ""
                asked = REFERENCE_ORDINAL - 1 - int(random() * 20)
            else:
                records = 1 + int(random() * 2)
        who = member.person
        rows["police.rybjhc"].append(
            (who.id_number, who.name, status, checked, plan.credit_code, ymd(asked))
        )
        for number in range(records):
            category = "0" + "1234"[int(random() * 4)]
            opened = ymd(REFERENCE_ORDINAL - 400 - int(random() * 2600))
            record_id = (plan.index * PERSON_SLOTS + slot) * 4 + number
            rows["police.wfjl"].append((record_id, who.id_number, category, opened))
