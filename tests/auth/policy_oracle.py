"""DESIGN §7's access table, transcribed by hand: what each role must get from each
field of the schema, independently of the policy engine and of ``auth/policy.toml``.

Nothing here is read from the code under test, so a wrong line in the shipped
policy shows up as a disagreement instead of being copied into the expectation.
Each ``Row`` is one row of the table, in its column order; its ``fields`` are the
schema's coordinates that the row's words cover. A field added to the schema must
be placed in a row here (``test_policy_matrix`` fails until it is).

Decisions the table leaves to the reader, taken here once:

- A field that holds a section (``Institution.staff``, ``Institution.funds``,
  ``Institution.tipOffs``, ``Person.backgroundCheck``) is readable by whoever may
  read something inside it, with the purpose that the row inside it asks for; the
  connection, edge and page types go with the root field that returns them.
- ``BusinessRegistration`` (with its penalties) is the "registration" of the first
  row wherever it is reached; ``FundSupervision.bank`` is part of the funds.
- A teacher's ID number on a course, and a person's name and ID number, are "staff
  name, ID number"; ``Employment`` is the staff post and certificate of a person.
- A count in ``statistics`` goes with the field whose values it counts: unlicensed
  leads with ``unlicensedOperators``, complaints in 90 days with complaints, custody
  supervision (whether an institution holds an account) with the funds section that
  the coverage ratio row opens; the other counts (institutions, licences, risk,
  notices, prepaid courses) with the first row. ``labels`` reads no department data.
- Fire safety covers each campus (``Institution.premises``, ``Premises``); a course's
  domain is part of the course.
- A blacklist entry, an advertising violation and a penalty are market's and
  education's published enforcement records (信用中国, 行政处罚 双公示): the
  "registration" of the first row, for every data role.
- A person barred from the industry (``BarredPerson``) is a person of the roster: the
  section as ``Institution.staff``, who they are as "staff name, ID number", why and
  until when as "background check status".
- A review signature's snapshot and checklist quote funds coverage, complaints and
  staff checks as the signer saw them: readable by the columns that may read all of
  those (the signers' and the auditor's); its digest is part of the signature.
- The release mutations (DESIGN §12) are granted to every department's column, so
  that anyone but an education supervisor learns NOT_PERMITTED from the workflow;
  what an approval returns (``LessonRelease``) is the ledger's, like ``releases``.
- The annual review mutations are granted to the columns that can be a required
  signer; who actually signs what is the review workflow's business (DESIGN §9),
  and ``ReviewError`` goes with the mutations that return it.
- Joint cases (DESIGN §13) are read by every department and the auditors, which
  cases being the row scope's business (those a department has a part in); the
  notice mutations go to the bureaus that serve notices, the referral mutations to
  every department a case can be handed to, and ``CaseError`` with the latter.
- A tip-off lead (``unlicensedOperators { tipOffLeads }``: an open tip-off about an
  operator named without a credit code) is part of the hunt for unlicensed
  operators, as the registrations are; it names the operator and the category,
  never the report's content or its reporter (the tip-off rows keep those).
- The live notice (subscriptions) goes with what it announces: cases assigned with
  the referral mutations (a department's inbox), risks raised with the first row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Effect(Enum):
    ALLOW = "allow"
    MASK = "mask"
    DENY = "deny"


class Mask(Enum):
    """DESIGN §7: ID number ``410202********123X``, names ``张*`` / ``欧阳**``,
    account numbers ``****1234``."""

    ID_NUMBER = "id number"
    NAME = "name"
    ACCOUNT_NUMBER = "account number"


@dataclass(frozen=True, slots=True)
class Expected:
    effect: Effect
    purpose: bool = False
    mask: Mask | None = None


ALLOW, MASK, DENY = Effect.ALLOW, Effect.MASK, Effect.DENY

COLUMNS: tuple[tuple[str, ...], ...] = (
    ("education.supervisor",),
    ("market.officer",),
    ("police.officer",),
    ("fire.officer",),
    ("finance.officer",),
    ("culture.supervisor", "tech.supervisor", "sports.supervisor"),
    ("auditor",),
    ("admin",),
)
"""The table's columns, left to right; one column speaks for three bureaus."""

ROLES: tuple[str, ...] = tuple(role for column in COLUMNS for role in column)

DEMO_CLIENTS: dict[str, str] = {
    "education.supervisor": "demo-education",
    "market.officer": "demo-market",
    "police.officer": "demo-police",
    "fire.officer": "demo-fire",
    "finance.officer": "demo-finance",
    "culture.supervisor": "demo-culture",
    "tech.supervisor": "demo-tech",
    "sports.supervisor": "demo-sports",
    "auditor": "demo-auditor",
    "admin": "demo-admin",
}
"""The demo client (DESIGN §11) that holds each role."""

PURPOSE_ALWAYS = frozenset({"auditor"})
"""'Every query by an auditor requires a purpose (me and sources excepted)'."""


@dataclass(frozen=True, slots=True)
class Row:
    data: str
    fields: tuple[str, ...]
    cells: tuple[Effect, Effect, Effect, Effect, Effect, Effect, Effect, Effect]
    purpose: bool = False
    reads_no_department_data: bool = False
    """``me`` and ``sources``: no purpose for anyone, the auditor included."""


TABLE: tuple[Row, ...] = (
    Row(
        "all roles also have me and sources",
        (
            "Query.me", "Query.sources",
            "Principal.clientId", "Principal.subject", "Principal.department",
            "Principal.roles", "Principal.region", "Principal.permissions",
            "FieldPermission.field", "FieldPermission.effect", "FieldPermission.purposeRequired",
            "SourceStatus.name", "SourceStatus.department", "SourceStatus.kind",
            "SourceStatus.healthy", "SourceStatus.latencyMs", "SourceStatus.lastError",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
        reads_no_department_data=True,
    ),
    Row(
        "labels of enum values (no department data, like me and sources)",
        (
            "Query.labels", "EnumLabels.enum", "EnumLabels.values",
            "EnumValueLabel.code", "EnumValueLabel.label", "EnumValueLabel.description",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
        reads_no_department_data=True,
    ),
    Row(
        "institution identity, licence, registration, fire safety, courses, inspections, "
        "annual reviews, risk",
        (
            "Query.institution", "Query.institutions",
            "InstitutionConnection.edges", "InstitutionConnection.pageInfo",
            "InstitutionConnection.totalCount", "InstitutionEdge.cursor", "InstitutionEdge.node",
            "PageInfo.hasNextPage", "PageInfo.endCursor", "PageInfo.hasPreviousPage",
            "PageInfo.startCursor",
            "Institution.creditCode", "Institution.name", "Institution.region",
            "Institution.address",
            "Institution.category", "Institution.domains", "Institution.supervisors",
            "Institution.license", "Institution.courses", "Institution.staff",
            "Institution.inspections", "Institution.registration", "Institution.fireSafety",
            "Institution.annualReviews", "Institution.risk",
            "SchoolLicense.number", "SchoolLicense.status", "SchoolLicense.issuedOn",
            "SchoolLicense.validUntil",
            "Course.name", "Course.subject", "Course.hours", "Course.price",
            "Course.prepaidLimitMonths", "Course.domain",
            "Inspection.inspectedOn", "Inspection.inspector", "Inspection.result",
            "Inspection.notices",
            "RectificationNotice.issuedOn", "RectificationNotice.deadline",
            "RectificationNotice.status", "RectificationNotice.content",
            "RectificationNotice.origin", "RectificationNotice.issuedBy",
            "RectificationNotice.number", "RectificationNotice.caseId",
            "Institution.rectificationNotices",
            "Inspection.origin", "Inspection.caseId",
            "BusinessRegistration.creditCode", "BusinessRegistration.name",
            "BusinessRegistration.region", "BusinessRegistration.status",
            "BusinessRegistration.businessScope", "BusinessRegistration.legalRepresentative",
            "BusinessRegistration.registeredOn", "BusinessRegistration.nonProfit",
            "BusinessRegistration.penalties",
            "FireSafetyRecord.acceptance", "FireSafetyRecord.acceptanceValidUntil",
            "FireSafetyRecord.lastInspectionOn", "FireSafetyRecord.openHazards",
            "FireSafetyRecord.sealed",
            "Institution.premises",
            "Premises.name", "Premises.address", "Premises.area", "Premises.acceptance",
            "Premises.acceptanceValidUntil", "Premises.documentNumber",
            "Premises.openHazards", "Premises.sealed",
            "Institution.blacklist",
            "BlacklistEntry.listedOn", "BlacklistEntry.listedBy", "BlacklistEntry.reason",
            "BlacklistEntry.until",
            "Institution.advertisements",
            "AdvertisingViolation.foundOn", "AdvertisingViolation.medium",
            "AdvertisingViolation.finding", "AdvertisingViolation.outcome",
            "AdvertisingViolation.penalty",
            "Penalty.decisionNumber", "Penalty.decidedOn", "Penalty.authority",
            "Penalty.kind", "Penalty.amount", "Penalty.reason", "Penalty.basis",
            "Institution.barredStaff",
            "RiskAssessment.level", "RiskAssessment.signals", "RiskAssessment.unavailable",
            "RiskSignal.code", "RiskSignal.department", "RiskSignal.detail",
            "RiskSignal.level", "RiskSignal.basis",
            "Query.annualReview", "Query.annualReviews",
            "AnnualReviewConnection.edges", "AnnualReviewConnection.pageInfo",
            "AnnualReviewConnection.totalCount", "AnnualReviewEdge.cursor",
            "AnnualReviewEdge.node",
            "AnnualReview.id", "AnnualReview.creditCode", "AnnualReview.year",
            "AnnualReview.status", "AnnualReview.requiredSigners", "AnnualReview.signatures",
            "AnnualReview.awaitingSignatureFrom", "AnnualReview.conclusion",
            "AnnualReview.version", "AnnualReview.digest", "AnnualReview.openedAt",
            "AnnualReview.publishedAt", "AnnualReview.institution",
            "AnnualReview.openedBy", "AnnualReview.publishedBy",
            "AnnualReview.publishedByDepartment", "AnnualReview.publicationJws",
            "ReviewSignature.department", "ReviewSignature.signer", "ReviewSignature.conclusion",
            "ReviewSignature.findings", "ReviewSignature.signedAt", "ReviewSignature.jws",
            "ReviewSignature.revokedAt", "ReviewSignature.snapshotDigest",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "statistics: counts of institution identity, licence, courses, inspections, risk",
        (
            "Query.statistics", "Statistics.region", "Statistics.groupBy", "Statistics.asOf",
            "Statistics.total", "Statistics.groups",
            "StatisticsGroup.key", "StatisticsGroup.label", "StatisticsGroup.institutions",
            "StatisticsGroup.licensed", "StatisticsGroup.riskLevels", "StatisticsGroup.signals",
            "StatisticsGroup.prepaidInstitutions", "StatisticsGroup.openRectifications",
            "RiskLevelCount.level", "RiskLevelCount.label", "RiskLevelCount.count",
            "RiskSignalCount.code", "RiskSignalCount.label", "RiskSignalCount.count",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "statistics: unlicensed leads (as unlicensedOperators)",
        ("StatisticsGroup.unlicensedLeads",),
        (ALLOW, ALLOW, DENY, DENY, DENY, DENY, ALLOW, DENY),
    ),
    Row(
        "statistics: complaints in the last 90 days (as complaints)",
        ("StatisticsGroup.complaintsLast90Days",),
        (ALLOW, ALLOW, DENY, DENY, DENY, ALLOW, ALLOW, DENY),
    ),
    Row(
        "statistics: custody supervision (as the funds coverage ratio's section)",
        ("StatisticsGroup.custodySupervised", "StatisticsGroup.custodySupervisionRate"),
        (ALLOW, DENY, DENY, DENY, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "annual reviews: the published results (and their CSV)",
        (
            "Query.annualReviewResults", "AnnualReviewResults.region", "AnnualReviewResults.year",
            "AnnualReviewResults.results", "AnnualReviewResults.csv",
            "PublishedReviewResult.reviewId", "PublishedReviewResult.creditCode",
            "PublishedReviewResult.name", "PublishedReviewResult.region",
            "PublishedReviewResult.year", "PublishedReviewResult.conclusion",
            "PublishedReviewResult.conclusionLabel", "PublishedReviewResult.signers",
            "PublishedReviewResult.publishedAt",
            "ResultSigner.department", "ResultSigner.departmentLabel", "ResultSigner.signer",
            "ResultSigner.signedAt",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "staff name, ID number (purpose)",
        (
            "StaffMember.name", "StaffMember.idNumber", "Course.teacherIdNumber",
            "Person.name", "Person.idNumber", "BarredPerson.name", "BarredPerson.idNumber",
        ),
        (ALLOW, MASK, ALLOW, MASK, MASK, MASK, MASK, DENY),
        purpose=True,
    ),
    Row(
        "staff post, teacher certificate",
        (
            "StaffMember.position", "StaffMember.teacherCertificate",
            "Employment.position", "Employment.teacherCertificate",
        ),
        (ALLOW, DENY, ALLOW, DENY, DENY, ALLOW, ALLOW, DENY),
    ),
    Row(
        "background check status (purpose)",
        (
            "StaffMember.backgroundCheck", "Person.backgroundCheck",
            "BackgroundCheck.status", "BackgroundCheck.checkedOn",
            "BarredPerson.barredOn", "BarredPerson.barredBy", "BarredPerson.reason",
            "BarredPerson.until",
        ),
        (ALLOW, DENY, ALLOW, DENY, DENY, DENY, ALLOW, DENY),
        purpose=True,
    ),
    Row(
        "background check record categories",
        ("BackgroundCheck.recordCategories",),
        (DENY, DENY, ALLOW, DENY, DENY, DENY, DENY, DENY),
    ),
    Row(
        "tip-offs (content)",
        ("Institution.tipOffs", "TipOff.receivedOn", "TipOff.content", "TipOff.status"),
        (ALLOW, DENY, DENY, DENY, DENY, DENY, ALLOW, DENY),
    ),
    Row(
        "tip-off reporter (purpose)",
        ("TipOff.reporter",),
        (ALLOW, DENY, DENY, DENY, DENY, DENY, DENY, DENY),
        purpose=True,
    ),
    Row(
        "complaints",
        (
            "Institution.complaints",
            "Complaint.filedOn", "Complaint.kind", "Complaint.amount", "Complaint.status",
            "Complaint.summary",
        ),
        (ALLOW, ALLOW, DENY, DENY, DENY, ALLOW, ALLOW, DENY),
    ),
    Row(
        "funds (balances, orders)",
        (
            "FundSupervision.bank", "FundSupervision.balance", "FundSupervision.riskDeposit",
            "FundSupervision.outstandingPrepaid", "FundSupervision.releasedTotal",
            "FundSupervision.status", "FundSupervision.statusSince", "FundSupervision.openedOn",
            "FundSupervision.receivedTotal", "FundSupervision.refundedTotal",
            "FundSupervision.orders", "FundSupervision.refunds",
            "PrepaidOrderConnection.edges", "PrepaidOrderConnection.pageInfo",
            "PrepaidOrderConnection.totalCount", "PrepaidOrderEdge.cursor",
            "PrepaidOrderEdge.node", "PrepaidOrder.number", "PrepaidOrder.course",
            "PrepaidOrder.amount", "PrepaidOrder.lessonsBought", "PrepaidOrder.lessonsReleased",
            "PrepaidOrder.amountReleased", "PrepaidOrder.orderedOn", "PrepaidOrder.status",
            "RefundConnection.edges", "RefundConnection.pageInfo", "RefundConnection.totalCount",
            "RefundEdge.cursor", "RefundEdge.node", "Refund.number", "Refund.orderNumber",
            "Refund.amount", "Refund.refundedOn", "FundSupervision.releases",
        ),
        (ALLOW, DENY, DENY, DENY, ALLOW, DENY, ALLOW, DENY),
    ),
    Row(
        "funds: a prepaid order's student (masked for all but finance and education)",
        ("PrepaidOrder.studentName",),
        (ALLOW, DENY, DENY, DENY, ALLOW, DENY, MASK, DENY),
    ),
    Row(
        "funds: a release as approved (what an approval answers; others read it through the "
        "ledger's releases or releaseInstructions)",
        (
            "LessonRelease.creditCode", "LessonRelease.idempotencyKey",
            "LessonRelease.approvedBy", "LessonRelease.approvedAt", "LessonRelease.lessons",
            "LessonRelease.amount", "LessonRelease.status", "LessonRelease.instructions",
            "ReleaseInstruction.id", "ReleaseInstruction.creditCode",
            "ReleaseInstruction.orderNumber", "ReleaseInstruction.bank",
            "ReleaseInstruction.firstLesson", "ReleaseInstruction.lastLesson",
            "ReleaseInstruction.lessons", "ReleaseInstruction.amount",
            "ReleaseInstruction.approvedBy", "ReleaseInstruction.approvedAt",
            "ReleaseInstruction.status", "ReleaseInstruction.bankReference",
            "ReleaseInstruction.refusalReason", "ReleaseInstruction.attempts",
            "ReleaseInstruction.settledAt",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "funds (balances, orders): per district (custodyOverview)",
        (
            "Query.custodyOverview", "CustodyOverview.region", "CustodyOverview.total",
            "CustodyOverview.districts", "CustodyDistrict.region",
            "CustodyDistrict.institutionsWithPrepaidCourses",
            "CustodyDistrict.withCustodyAccount", "CustodyDistrict.supervisionRate",
            "CustodyDistrict.frozenAccounts", "CustodyDistrict.received",
            "CustodyDistrict.released", "CustodyDistrict.refunded", "CustodyDistrict.outstanding",
        ),
        (ALLOW, DENY, DENY, DENY, ALLOW, DENY, ALLOW, DENY),
    ),
    Row(
        "funds: every release instruction in the region (releaseInstructions)",
        (
            "Query.releaseInstructions",
            "ReleaseInstructionConnection.edges", "ReleaseInstructionConnection.pageInfo",
            "ReleaseInstructionConnection.totalCount",
            "ReleaseInstructionEdge.cursor", "ReleaseInstructionEdge.node",
        ),
        (DENY, DENY, DENY, DENY, ALLOW, DENY, ALLOW, DENY),
    ),
    Row(
        "funds: release approvals (the workflow admits education supervisors only)",
        (
            "Mutation.approveLessonRelease", "Mutation.approveReleases",
            "ReleaseError.code", "ReleaseError.message", "ReleaseError.field",
            "ReleaseError.first",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY, DENY),
    ),
    Row(
        "funds coverage ratio",
        ("Institution.funds", "FundSupervision.coverageRatio"),
        (ALLOW, DENY, DENY, DENY, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "funds account number",
        ("FundSupervision.accountNumber",),
        (MASK, DENY, DENY, DENY, ALLOW, DENY, MASK, DENY),
    ),
    Row(
        "person(...)",
        ("Query.person", "Person.employments", "Employment.institution"),
        (ALLOW, DENY, ALLOW, DENY, DENY, DENY, ALLOW, DENY),
    ),
    Row(
        "unlicensedOperators",
        (
            "Query.unlicensedOperators",
            "BusinessRegistrationConnection.edges", "BusinessRegistrationConnection.pageInfo",
            "BusinessRegistrationConnection.totalCount",
            "BusinessRegistrationEdge.cursor", "BusinessRegistrationEdge.node",
            "BusinessRegistrationConnection.tipOffLeads", "TipOffLead.caseId",
            "TipOffLead.receivedOn", "TipOffLead.category", "TipOffLead.operatorName",
            "TipOffLead.operatorAddress", "TipOffLead.region", "TipOffLead.assignedTo",
        ),
        (ALLOW, ALLOW, DENY, DENY, DENY, DENY, ALLOW, DENY),
    ),
    Row(
        "auditEvents, auditChain",
        (
            "Query.auditEvents", "Query.auditChain", "Query.auditCheckpoints",
            "AuditCheckpoint.seq", "AuditCheckpoint.headHash", "AuditCheckpoint.at",
            "AuditCheckpoint.jws",
            "AuditEventConnection.edges", "AuditEventConnection.pageInfo",
            "AuditEventConnection.totalCount", "AuditEventEdge.cursor", "AuditEventEdge.node",
            "AuditEvent.seq", "AuditEvent.at", "AuditEvent.clientId", "AuditEvent.subject",
            "AuditEvent.department", "AuditEvent.roles", "AuditEvent.region",
            "AuditEvent.purpose", "AuditEvent.caseId", "AuditEvent.operationType",
            "AuditEvent.operationName", "AuditEvent.documentHash", "AuditEvent.fieldsRead",
            "AuditEvent.fieldsMasked", "AuditEvent.fieldsDenied", "AuditEvent.recordKeys",
            "AuditEvent.errorCodes", "AuditEvent.outcome", "AuditEvent.durationMs",
            "AuditEvent.traceId",
            "AuditEvent.prevHash", "AuditEvent.hash",
            "AuditChainReport.intact", "AuditChainReport.events",
            "AuditChainReport.firstBrokenSeq", "AuditChainReport.reason",
            "AuditChainReport.headHash",
        ),
        (DENY, DENY, DENY, DENY, DENY, DENY, ALLOW, DENY),
    ),
    Row(
        "annual reviews: what a signer saw (snapshot, checklist: funds coverage, complaints, "
        "staff checks)",
        (
            "ReviewSignature.snapshot", "ReviewSignature.checklist",
            "ChecklistItem.item", "ChecklistItem.subject", "ChecklistItem.ok",
            "ChecklistItem.value",
        ),
        (ALLOW, DENY, DENY, DENY, DENY, ALLOW, ALLOW, DENY),
    ),
    Row(
        "annual review mutations (as a required signer)",
        (
            "Mutation.openAnnualReview", "Mutation.signAnnualReview",
            "Mutation.revokeSignature", "Mutation.publishAnnualReview",
            "ReviewError.code", "ReviewError.message", "ReviewError.field",
        ),
        (ALLOW, DENY, DENY, DENY, DENY, ALLOW, DENY, DENY),
    ),
    Row(
        "joint cases (DESIGN §13; which cases: those the reader's department is part of, "
        "all for auditors)",
        (
            "Query.case", "Query.cases",
            "CaseConnection.edges", "CaseConnection.pageInfo", "CaseConnection.totalCount",
            "CaseEdge.cursor", "CaseEdge.node",
            "Case.id", "Case.kind", "Case.status", "Case.creditCode", "Case.region",
            "Case.number", "Case.openedByDepartment", "Case.responsible", "Case.assignedTo",
            "Case.referredBy", "Case.answerDue", "Case.involved", "Case.version",
            "Case.openedBy", "Case.openedAt", "Case.updatedAt", "Case.closedAt",
            "Case.outcome", "Case.timeline", "Case.overdue", "Case.rectification",
            "CaseTimelineEntry.at", "CaseTimelineEntry.action", "CaseTimelineEntry.status",
            "CaseTimelineEntry.department", "CaseTimelineEntry.subject",
            "CaseTimelineEntry.clientId", "CaseTimelineEntry.note",
            "RectificationDetails.basis", "RectificationDetails.items",
            "RectificationDetails.deadline", "RectificationDetails.response",
            "RectificationDetails.followUpInspectedOn", "Case.tipOff",
            "TipOffDetails.category", "TipOffDetails.channel", "TipOffDetails.receivedOn",
            "TipOffDetails.subjectName", "TipOffDetails.subjectAddress", "TipOffDetails.reward",
            "TipOffDetails.concerns", "Case.complaint",
            "ComplaintDetails.receivedOn", "ComplaintDetails.content",
            "ComplaintDetails.amountClaimed", "ComplaintDetails.channel",
            "ComplaintDetails.mediation", "ComplaintMediation.outcome",
            "ComplaintMediation.amountRefunded", "ComplaintMediation.note",
            "ComplaintMediation.mediatedOn", "ComplaintMediation.department",
            "Case.inspection", "InspectionDetails.inspectedOn", "InspectionDetails.kind",
            "InspectionDetails.departments", "InspectionDetails.findings",
            "InspectionDetails.confirmedBy", "InspectionDetails.awaitingConfirmationFrom",
            "InspectionDetails.joint", "InspectionFinding.department", "InspectionFinding.item",
            "InspectionFinding.result", "InspectionFinding.note",
            "TipOffReward.amount", "TipOffReward.reason", "TipOffReward.decidedOn",
            "TipOffReward.decidedBy", "InspectionDetails.attachments",
            "InspectionAttachment.name", "InspectionAttachment.mediaType",
            "InspectionAttachment.sha256", "InspectionAttachment.size",
            "InspectionAttachment.uploadedAt", "InspectionAttachment.url",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ),
    Row(
        "a hub tip-off's content (tip-offs, as DESIGN §7 has them)",
        ("TipOffDetails.content",),
        (ALLOW, DENY, DENY, DENY, DENY, DENY, ALLOW, DENY),
    ),
    Row(
        "a hub tip-off's reporter (the tip-off reporter row: education, with a purpose)",
        ("TipOffDetails.reporter", "TipOffReporter.name", "TipOffReporter.phone"),
        (ALLOW, DENY, DENY, DENY, DENY, DENY, DENY, DENY),
        purpose=True,
    ),
    Row(
        "tip-off rewards (decided by the education bureau)",
        ("Mutation.decideReward",),
        (ALLOW, DENY, DENY, DENY, DENY, DENY, DENY, DENY),
    ),
    Row(
        "rectification notice mutations (the bureaus that serve notices)",
        (
            "Mutation.issueRectificationNotice", "Mutation.recordRectificationResponse",
            "Mutation.reviewRectification",
        ),
        (ALLOW, ALLOW, DENY, ALLOW, DENY, DENY, DENY, DENY),
    ),
    Row(
        "case referral mutations (any department a case may be handed to)",
        (
            "Mutation.referCase", "Mutation.acceptCase", "Mutation.returnCase",
            "Mutation.closeCase", "Mutation.submitTipOff", "Mutation.openComplaint",
            "Mutation.recordMediation", "Mutation.recordInspection",
            "Mutation.confirmInspectionFindings",
            "CaseError.code", "CaseError.message", "CaseError.field",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY, DENY),
    ),
    Row(
        "live notice of cases assigned (each department its own inbox; auditors have none)",
        (
            "Subscription.caseAssigned", "CaseAssignment.reason", "CaseAssignment.at",
            "CaseAssignment.case",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY, DENY),
    ),
    Row(
        "live notice of risks raised (the first row's risk, as it changes)",
        (
            "Subscription.riskRaised", "RiskRaise.creditCode", "RiskRaise.region",
            "RiskRaise.previous", "RiskRaise.level", "RiskRaise.at",
        ),
        (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ),
)  # fmt: skip

MASKS: dict[str, Mask] = {
    "StaffMember.name": Mask.NAME,
    "Person.name": Mask.NAME,
    "StaffMember.idNumber": Mask.ID_NUMBER,
    "Course.teacherIdNumber": Mask.ID_NUMBER,
    "Person.idNumber": Mask.ID_NUMBER,
    "BarredPerson.name": Mask.NAME,
    "BarredPerson.idNumber": Mask.ID_NUMBER,
    "FundSupervision.accountNumber": Mask.ACCOUNT_NUMBER,
    "PrepaidOrder.studentName": Mask.NAME,
}
"""How a masked field is shown, by the kind of value it holds."""


def _expand(table: tuple[Row, ...]) -> dict[str, dict[str, Expected]]:
    oracle: dict[str, dict[str, Expected]] = {}
    for row in table:
        for coordinate in row.fields:
            if coordinate in oracle:
                raise AssertionError(f"{coordinate} is in two rows of the oracle")
            by_role: dict[str, Expected] = {}
            for column, effect in zip(COLUMNS, row.cells, strict=True):
                for role in column:
                    purpose = row.purpose or (
                        role in PURPOSE_ALWAYS and not row.reads_no_department_data
                    )
                    by_role[role] = (
                        Expected(DENY)
                        if effect is DENY
                        else Expected(
                            effect,
                            purpose=purpose,
                            mask=MASKS[coordinate] if effect is MASK else None,
                        )
                    )
            oracle[coordinate] = by_role
    return oracle


ORACLE: dict[str, dict[str, Expected]] = _expand(TABLE)
"""``Type.field`` → role → what the running hub must answer."""


def looks_masked(mask: Mask, plain: str, shown: str) -> bool:
    """Whether ``shown`` is ``plain`` masked as DESIGN §7 shows it."""
    if mask is Mask.ID_NUMBER:
        return shown == plain[:6] + "*" * (len(plain) - 10) + plain[-4:]
    if mask is Mask.ACCOUNT_NUMBER:
        return shown == "****" + plain[-4:]
    kept = shown.rstrip("*")
    # The surname stays: one character, or two for a compound surname (欧阳**).
    return (
        len(kept) in (1, 2)
        and plain.startswith(kept)
        and len(shown) == max(len(plain), len(kept) + 1)
        and shown != plain
    )
