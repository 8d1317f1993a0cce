"""Who may do what to a case, and whether its input holds: the workflow's
decisions, without I/O (DESIGN §13), one module per kind of case; ``common`` holds
the limits and the checks every kind runs first."""

from xietong.cases.rules.common import (
    MAX_ITEMS,
    MAX_LONG_TEXT,
    MAX_TEXT,
    Located,
    unknown_case,
    unknown_institution,
    version_conflict,
)
from xietong.cases.rules.complaints import refusal_to_mediate, refusal_to_open_complaint
from xietong.cases.rules.inspections import refusal_to_confirm, refusal_to_record_inspection
from xietong.cases.rules.rectification import (
    NOTICE_ISSUERS,
    refusal_to_issue,
    refusal_to_respond,
    refusal_to_review,
)
from xietong.cases.rules.referral import (
    REFERRAL_TARGETS,
    refusal_to_answer,
    refusal_to_close,
    refusal_to_refer,
)
from xietong.cases.rules.tip_offs import (
    REWARD_MAX,
    REWARD_MIN,
    REWARDING,
    refusal_to_reward,
    refusal_to_submit,
)

__all__ = [
    "MAX_ITEMS",
    "MAX_LONG_TEXT",
    "MAX_TEXT",
    "NOTICE_ISSUERS",
    "REFERRAL_TARGETS",
    "REWARDING",
    "REWARD_MAX",
    "REWARD_MIN",
    "Located",
    "refusal_to_answer",
    "refusal_to_close",
    "refusal_to_confirm",
    "refusal_to_issue",
    "refusal_to_mediate",
    "refusal_to_open_complaint",
    "refusal_to_record_inspection",
    "refusal_to_refer",
    "refusal_to_respond",
    "refusal_to_review",
    "refusal_to_reward",
    "refusal_to_submit",
    "unknown_case",
    "unknown_institution",
    "version_conflict",
]
