"""Tip-offs: take one (first contact), decide its reward, open its reporter."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from xietong.audit.in_transaction import audited
from xietong.cases import confidential
from xietong.cases.records import (
    CaseAction,
    CaseKind,
    CaseRecord,
    CaseStatus,
    Reporter,
    TipOffSubmission,
)
from xietong.cases.rules import (
    Located,
    refusal_to_reward,
    refusal_to_submit,
    unknown_case,
)
from xietong.cases.service.core import CaseCore, CaseResult, new_case
from xietong.domain.actors import Actor


class TipOffSteps(CaseCore):
    async def submit_tip_off(
        self, actor: Actor, institution: Located | None, tip_off: TipOffSubmission
    ) -> CaseResult:
        """Take a tip-off: the actor's department is its first contact, responsible
        until it refers the case and the other accepts (首接负责制)."""
        refusal = refusal_to_submit(actor, institution, tip_off)
        if refusal is not None:
            return refusal
        case_id = str(uuid.uuid4())
        now = self._clock()
        details: dict[str, Any] = {
            "receivedOn": self._today().isoformat(),
            "category": tip_off.category.value,
            "channel": tip_off.channel.value,
            "content": tip_off.content,
            "subjectName": tip_off.name,
            "subjectAddress": tip_off.address,
            "concerns": sorted({concern.value for concern in tip_off.concerns}),
        }
        keys = [f"id:{case_id}", *([tip_off.credit_code] if tip_off.credit_code else [])]
        async with audited(self._sessions, self._event, changed=keys) as session:
            if tip_off.reporter is not None:
                details["reporter"] = await confidential.seal(session, case_id, tip_off.reporter)
            case = new_case(
                actor,
                case_id,
                CaseKind.TIP_OFF,
                status=CaseStatus.OPEN,
                credit_code=tip_off.credit_code,
                region=institution.region if institution is not None else actor.region,
                details=details,
                at=now,
            )
            await self.add_opened(session, actor, case, CaseAction.SUBMITTED)
            return await self.stored(session, case_id)

    async def decide_reward(
        self, actor: Actor, case_id: str, amount: Decimal, reason: str, expected_version: int
    ) -> CaseResult:
        """Education's reward for a tip-off that proved true (200-2,000 yuan), once."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_reward(actor, case, amount, reason, expected_version)
        if refusal is not None:
            return refusal
        reward = {
            "amount": f"{amount:.2f}",
            "reason": reason,
            "decidedOn": self._today().isoformat(),
            "decidedBy": actor.subject,
        }
        changed = self.next_version(case, details={**case.details, "reward": reward})
        return await self.change(
            actor, case, expected_version, changed, CaseAction.REWARD_DECIDED, f"{amount:.2f}"
        )

    async def reporter(self, case: CaseRecord) -> Reporter | None:
        """The tip-off's reporter, opened (the caller has checked who may read it)."""
        sealed = case.details.get("reporter")
        if sealed is None:
            return None
        async with self._sessions() as session:
            return await confidential.open_sealed(session, case.id, sealed)
