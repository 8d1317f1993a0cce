"""Every enum value of the schema, in the two words a client needs: a Chinese label to
show an officer (``整改中`` rather than ``IN_PROGRESS``) and an English description for
the schema's documentation. One glossary, read by ``schema.enums.register`` (the
descriptions) and by the ``labels`` query (both).

Keyed by enum and member name, not by member: several StrEnums share values
(``Department.SPORTS == TrainingDomain.SPORTS``), so their members collide as keys.

>>> label_of(ReviewStatus.DISPUTED)
'有争议'
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from xietong.audit.events import AuditOutcome
from xietong.cases.live import AssignmentReason
from xietong.cases.records import (
    CaseAction,
    CaseErrorCode,
    CaseKind,
    CaseStatus,
    InspectionKind,
    MediationOutcome,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
)
from xietong.domain.departments import Department
from xietong.domain.matching import CustodyState
from xietong.domain.records import (
    BackgroundCheckStatus,
    CustodyStatus,
    FireAcceptanceStatus,
    InstitutionCategory,
    LicenseStatus,
    OrderStatus,
    RecordOrigin,
    RectificationStatus,
    RegistrationStatus,
    TrainingDomain,
)
from xietong.domain.risk import RiskCode, RiskLevel
from xietong.funds.records import ReleaseErrorCode, ReleaseStatus
from xietong.reviews.checklist import ChecklistItemCode
from xietong.reviews.records import ReviewConclusion, ReviewErrorCode, ReviewStatus
from xietong.statistics.records import StatisticsGroupBy


class Term(NamedTuple):
    label: str
    """Chinese, as an officer reads it on a screen or in a published list."""
    description: str
    """English, for the schema's documentation."""


GLOSSARY: dict[type[Enum], dict[str, Term]] = {
    Department: {
        "EDUCATION": Term("教育局", "Education bureau: licences, courses, staff, inspections."),
        "MARKET_SUPERVISION": Term(
            "市场监管局", "Market supervision: business registration, complaints, penalties."
        ),
        "PUBLIC_SECURITY": Term("公安局", "Public security: background checks of staff."),
        "FIRE_SAFETY": Term("消防救援", "Fire safety, with housing & construction's acceptances."),
        "FINANCE": Term("金融监管", "Finance and the supervising banks: custody of prepaid fees."),
        "CULTURE_TOURISM": Term(
            "文化广电和旅游局", "Culture & tourism bureau: competent for arts training."
        ),
        "SCIENCE_TECHNOLOGY": Term(
            "科学技术局", "Science & technology bureau: competent for science training."
        ),
        "SPORTS": Term("体育局", "Sports bureau: competent for sports training."),
        "AUDIT": Term("审计督导", "Auditors (audit bureau, education supervision office)."),
    },
    InstitutionCategory: {
        "SUBJECT": Term("学科类", "Academic subject training; must be non-profit."),
        "NON_SUBJECT": Term("非学科类", "Arts, sports, science and technology training."),
    },
    TrainingDomain: {
        "ACADEMIC": Term("学科", "Academic subjects."),
        "SPORTS": Term("体育", "Sports."),
        "CULTURE_ART": Term("文化艺术", "Culture and arts."),
        "SCIENCE_TECHNOLOGY": Term("科技", "Science and technology."),
    },
    LicenseStatus: {
        "VALID": Term("有效", "In force."),
        "SUSPENDED": Term("暂停", "Suspended by the education bureau."),
        "REVOKED": Term("吊销", "Revoked as a penalty."),
        "EXPIRED": Term("过期", "Past its validity."),
    },
    RegistrationStatus: {
        "ACTIVE": Term("存续", "The business is registered and active."),
        "REVOKED": Term("吊销", "The business licence was revoked as a penalty."),
        "CANCELLED": Term("注销", "The business was deregistered."),
    },
    FireAcceptanceStatus: {
        "PASSED": Term("验收合格", "Passed fire acceptance."),
        "FILED": Term("已备案", "Filed with housing & construction instead of acceptance."),
        "NOT_FILED": Term("未备案", "Neither accepted nor filed."),
        "FAILED": Term("验收不合格", "Failed fire acceptance."),
        "EXPIRED": Term("已过期", "Passed or filed, but past its validity."),
    },
    BackgroundCheckStatus: {
        "CLEAR": Term("无记录", "Checked; no record found."),
        "RECORD_FOUND": Term("有记录", "Checked; a record was found."),
        "PENDING": Term("核查中", "Submitted, not yet checked."),
        "NOT_REQUESTED": Term("未申请", "Never submitted for a check."),
    },
    RectificationStatus: {
        "OPEN": Term("整改中", "Not yet rectified."),
        "CLOSED": Term("已整改", "Rectified."),
    },
    RiskLevel: {
        "LOW": Term("低风险", "No signal."),
        "MEDIUM": Term("中风险", "At least one signal, none severe."),
        "HIGH": Term("高风险", "A severe signal, or three signals at once."),
    },
    RiskCode: {
        "BLACKLISTED": Term(
            "列入黑名单",
            "On the blacklist today, or a person barred from the industry on its roster.",
        ),
        "AD_VIOLATION": Term("广告违法", "An advertising violation found in the last 365 days."),
        "FUND_SHORTFALL": Term(
            "资金监管不足", "Custody balance below the prepaid fees not yet taught."
        ),
        "FIRE_NON_COMPLIANT": Term(
            "消防不合规", "Fire acceptance missing, failed or expired; open hazards; sealed."
        ),
        "UNCHECKED_OR_FLAGGED_STAFF": Term(
            "从业人员未核查或有记录", "Staff not checked, pending, or with a record found."
        ),
        "REGISTRATION_INACTIVE": Term(
            "营业执照失效", "Licensed, but the business registration is revoked or cancelled."
        ),
        "LICENSE_INACTIVE": Term(
            "办学许可失效", "No valid school licence (none, suspended, revoked or expired)."
        ),
        "SCOPE_MISMATCH": Term(
            "经营范围不符", "Business scope without training, or subject training for profit."
        ),
        "COMPLAINT_SURGE": Term("投诉激增", "Three or more refund complaints in 90 days."),
        "UNQUALIFIED_TEACHER": Term(
            "教师无资格证", "A subject course taught without a teacher certificate."
        ),
        "OPEN_RECTIFICATION": Term("整改逾期", "A rectification notice open past its deadline."),
        "FUND_ACCOUNT_FROZEN": Term("监管账户冻结", "The custody account is frozen."),
        "PREPAID_CAP_EXCEEDED": Term(
            "超期预收费", "An order prepaid more than 60 lessons or three months of lessons."
        ),
        "NO_CUSTODY_ACCOUNT": Term(
            "未开设监管账户", "Prepaid courses on sale, but no custody account at any bank."
        ),
        "TIP_OFF_ALERT": Term(
            "举报预警", "An open tip-off says the operator is absconding or refusing refunds."
        ),
    },
    CustodyStatus: {
        "NORMAL": Term("正常", "Open and usable."),
        "FROZEN": Term("冻结", "Frozen by its bank or a court: nothing can be paid out."),
        "CLOSED": Term("销户", "Closed."),
    },
    CustodyState: {
        "NONE": Term("未开户", "No custody account at any bank."),
        "NORMAL": Term("正常", "Open and usable."),
        "FROZEN": Term("冻结", "Frozen by its bank or a court: nothing can be paid out."),
        "CLOSED": Term("销户", "Closed."),
    },
    OrderStatus: {
        "RUNNING": Term("履约中", "Lessons are still being given."),
        "COMPLETED": Term("已完结", "Every lesson was given and released."),
        "REFUNDED": Term("已退费", "Refunded to the payer."),
    },
    ReleaseStatus: {
        "PENDING": Term("待银行确认", "Recorded; the bank has not answered yet (sent again)."),
        "APPLIED": Term("已划拨", "The bank paid the institution."),
        "REFUSED": Term("银行拒绝", "The bank refused the instruction."),
    },
    ReleaseErrorCode: {
        "NOT_PERMITTED": Term("无权审批", "Only an education supervisor approves releases."),
        "OUT_OF_SCOPE": Term("超出辖区", "The institution is outside the approver's region."),
        "NOT_FOUND": Term("未找到", "No such institution, custody account or order."),
        "ACCOUNT_FROZEN": Term("账户冻结", "The custody account is frozen."),
        "ACCOUNT_CLOSED": Term("账户已销户", "The custody account is closed."),
        "NOT_DELIVERED": Term(
            "课时未确认", "The lessons were not reported as given, or not confirmed by the payer."
        ),
        "EXCEEDS_ORDER": Term("超出订单课时", "More lessons than the order has left."),
        "INSUFFICIENT_BALANCE": Term("余额不足", "The custody balance cannot pay the lessons."),
        "BANK_UNAVAILABLE": Term(
            "银行不可用", "The bank could not be asked; nothing was recorded: try again."
        ),
        "DUPLICATE": Term("重复提交", "The key was used before: the first outcome is returned."),
    },
    RecordOrigin: {
        "DEPARTMENT": Term("部门系统", "The department's own system, read live."),
        "HUB": Term("协同平台", "A case the departments worked on together in the hub."),
    },
    CaseKind: {
        "RECTIFICATION": Term("整改通知书", "A rectification notice with items and a deadline."),
        "TIP_OFF": Term("举报", "A tip-off from the public; its reporter is confidential."),
        "COMPLAINT": Term(
            "退费投诉", "A refund complaint, mediated by the department responsible."
        ),
        "INSPECTION": Term("检查", "An inspection; joint once every department confirmed."),
    },
    CaseStatus: {
        "OPEN": Term("办理中", "Received and being handled (tip-offs, complaints)."),
        "ISSUED": Term("已下达", "A notice served; the institution has not answered yet."),
        "RESPONDED": Term("已反馈", "The institution's response recorded; awaiting review."),
        "ACCEPTED": Term("整改合格", "Rectification found done after a follow-up inspection."),
        "REJECTED": Term("整改不合格", "Rectification found not done; it may respond again."),
        "CLOSED": Term("已办结", "Closed with an outcome; it never changes again."),
        "CONFIRMED": Term("已确认", "An inspection every department confirmed; final."),
    },
    CaseAction: {
        "ISSUED": Term("下达整改通知书", "A rectification notice was served."),
        "SUBMITTED": Term("受理举报", "A tip-off was taken."),
        "RESPONDED": Term("反馈整改情况", "The institution's response was recorded."),
        "ACCEPTED": Term("整改验收合格", "The issuer accepted the rectification."),
        "REJECTED": Term("整改验收不合格", "The issuer rejected the rectification."),
        "REWARD_DECIDED": Term("决定奖励", "Education decided the tip-off's reward."),
        "COMPLAINT_OPENED": Term("受理投诉", "A refund complaint was taken."),
        "MEDIATED": Term("调解", "A mediation was recorded."),
        "INSPECTION_RECORDED": Term("录入检查", "An inspection and its findings were recorded."),
        "FINDINGS_CONFIRMED": Term("确认检查结果", "A department confirmed its findings."),
        "REFERRED": Term("转办", "The case was referred to another department."),
        "REFERRAL_ACCEPTED": Term("接收转办", "The department referred to took the case."),
        "RETURNED": Term("退回", "The department referred to sent the case back."),
        "CLOSED": Term("办结", "The case was closed with an outcome."),
    },
    CaseErrorCode: {
        "NOT_PERMITTED": Term("无权办理", "The caller's department may not do this to the case."),
        "OUT_OF_SCOPE": Term("超出辖区", "The institution is outside the caller's region."),
        "WRONG_STATE": Term("状态不符", "The case's status does not allow this."),
        "VERSION_CONFLICT": Term("版本冲突", "The case changed since expectedVersion."),
        "NOT_FOUND": Term("未找到", "No such case or institution visible to the caller."),
        "TOO_LARGE": Term("超出限制", "A text, list or amount is over its limit."),
        "INVALID": Term("输入无效", "An input is empty, out of range or contradictory."),
        "HASH_MISMATCH": Term(
            "校验不符", "Uploaded bytes differ from the declared SHA-256 or size."
        ),
    },
    TipOffCategory: {
        "UNLICENSED_OPERATION": Term("无证无照办学", "Training without a licence or registration."),
        "BEYOND_SCOPE": Term("超范围培训", "Training beyond the licensed scope."),
        "ILLEGAL_FEES": Term("违规收费", "Prepaid beyond the cap, or fees not refunded."),
        "FALSE_ADVERTISING": Term("虚假宣传", "False or misleading advertising."),
        "MOONLIGHTING_TEACHERS": Term(
            "在职教师有偿补课", "Serving school teachers giving paid tutoring."
        ),
        "SAFETY_HAZARD": Term("安全隐患", "A safety hazard on the premises."),
        "OTHER": Term("其他", "Anything else."),
    },
    TipOffConcern: {
        "ABSCONDING": Term("跑路", "The operator is leaving with the prepaid fees."),
        "REFUND_REFUSED": Term("拒不退费", "The institution refuses refunds it owes."),
    },
    TipOffChannel: {
        "HOTLINE": Term("热线电话", "12345 or the bureau's own line."),
        "ONLINE": Term("网上受理", "An online form or platform."),
        "LETTER": Term("来信", "A letter."),
        "IN_PERSON": Term("来访", "In person at a bureau."),
    },
    MediationOutcome: {
        "SETTLED": Term("调解成功", "The parties agreed; the complaint closes."),
        "NOT_SETTLED": Term("调解不成", "No agreement; the case stays open."),
    },
    AssignmentReason: {
        "REFERRED": Term("转办待接收", "Referred to the department, waiting for it to accept."),
        "RETURNED": Term("被退回", "Sent back by the department it was referred to."),
        "OVERDUE": Term("转办超期", "A referral to the department past its due day."),
    },
    InspectionKind: {
        "ROUTINE": Term("日常检查", "A routine inspection."),
        "SPECIAL": Term("专项检查", "One concern across institutions (fees, fire exits, ...)."),
        "JOINT": Term("联合执法检查", "Several departments at once."),
    },
    ReviewStatus: {
        "OPEN": Term("待签署", "Waiting for signatures, none disagreeing."),
        "COSIGNED": Term("已会签", "Every required signer signed the same conclusion."),
        "DISPUTED": Term("有争议", "Two live signatures disagree."),
        "PUBLISHED": Term("已公示", "Cosigned and published; it never changes again."),
    },
    ReviewConclusion: {
        "EXCELLENT": Term("优秀", "Excellent."),
        "PASS": Term("合格", "Pass."),
        "BASIC_PASS": Term("基本合格", "Pass with reservations."),
        "FAIL": Term("不合格", "Fail."),
    },
    ChecklistItemCode: {
        "LICENSE_VALID": Term("办学许可证有效", "The school licence is valid today."),
        "FIRE_ACCEPTANCE": Term("消防验收", "Fire acceptance of one campus (subject names it)."),
        "STAFF_CHECKS": Term("从业人员审查", "Background checks of the staff roster."),
        "FUNDS_COVERAGE": Term(
            "资金监管覆盖", "Custody balance against prepaid fees not yet taught."
        ),
        "COMPLAINTS": Term("投诉", "Complaints in the last 90 days."),
        "OPEN_RECTIFICATIONS": Term("未完成整改", "Rectification notices still open."),
        "BLACKLIST": Term("黑名单", "Blacklist entries and barred persons on the roster."),
    },
    ReviewErrorCode: {
        "CONTRADICTS_RECORD": Term(
            "与记录矛盾", "PASS or EXCELLENT refused: blacklisted, licence revoked or fire failed."
        ),
        "NOT_FOUND": Term("未找到", "No such review, or none visible to the caller."),
        "NOT_A_SIGNER": Term("非签署部门", "The caller's department is not a required signer."),
        "ALREADY_SIGNED": Term("已签署", "The caller's department has a live signature."),
        "WRONG_STATE": Term("状态不符", "The review's status does not allow this."),
        "VERSION_CONFLICT": Term("版本冲突", "The review changed since expectedVersion."),
        "DUPLICATE_REVIEW": Term("重复检查", "A review for this institution and year exists."),
        "OUT_OF_SCOPE": Term("超出辖区", "The institution is outside the caller's region."),
    },
    StatisticsGroupBy: {
        "DISTRICT": Term("按区县", "By the institution's district (region code)."),
        "DOMAIN": Term("按培训领域", "By training domain; an institution may count in several."),
        "CATEGORY": Term("按机构类别", "By subject or non-subject training."),
    },
    AuditOutcome: {
        "OK": Term("成功", "Answered in full."),
        "PARTIAL": Term("部分", "Some fields refused or a department unavailable."),
        "DENIED": Term("拒绝", "Refused."),
        "ERROR": Term("出错", "Failed."),
        "UNAUTHENTICATED": Term("未认证", "No valid access token."),
    },
}


def term_of(value: Enum) -> Term | None:
    """The glossary's entry for ``value``, if it has one."""
    return GLOSSARY.get(type(value), {}).get(value.name)


def label_of(value: Enum) -> str:
    """The Chinese label of ``value``; its code when the glossary lacks it (a test
    fails on every value without one, so a client never sees this in a release)."""
    term = term_of(value)
    return term.label if term else value.name
