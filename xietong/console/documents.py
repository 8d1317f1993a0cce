"""The GraphQL documents the console sends: named, so the access log says which
page asked (``operationName``)."""

from __future__ import annotations

SEARCH_BY_FILTER = """
query ConsoleSearch($filter: InstitutionFilter, $first: Int!) {
  institutions(filter: $filter, first: $first) {
    totalCount
    edges { node {
      creditCode name region category domains supervisors
      license { status }
      registration { legalRepresentative status }
      risk { level }
    } }
  }
}"""

SEARCH_BY_CODE = """
query ConsoleSearchByCode($code: CreditCode!) {
  institution(creditCode: $code) {
    creditCode name region category domains supervisors
    license { status }
    registration { legalRepresentative status }
    risk { level }
  }
}"""

JOINT_RECORD = """
query ConsoleJointRecord($code: CreditCode!) {
  institution(creditCode: $code) {
    creditCode name region address category domains supervisors
    license { number status issuedOn validUntil }
    registration { status businessScope legalRepresentative registeredOn nonProfit }
    premises { name address area acceptance }
    fireSafety { acceptance acceptanceValidUntil lastInspectionOn openHazards sealed }
    staff {
      name idNumber position teacherCertificate
      backgroundCheck { status checkedOn }
    }
    courses { name subject hours price prepaidLimitMonths }
    funds { bank accountNumber status balance riskDeposit outstandingPrepaid coverageRatio }
    inspections { inspectedOn inspector result }
    rectificationNotices { number issuedOn deadline status content issuedBy }
    complaints { filedOn kind amount status summary }
    tipOffs { receivedOn content status }
    annualReviews { id year status conclusion }
    risk { level unavailable signals { code department level detail basis } }
  }
}"""

REVIEWS = """
query ConsoleReviews($filter: AnnualReviewFilter, $first: Int!) {
  annualReviews(filter: $filter, first: $first) {
    totalCount
    edges { node {
      id creditCode year status conclusion requiredSigners awaitingSignatureFrom version
      openedAt openedBy
      institution { name }
    } }
  }
}"""

REVIEW = """
query ConsoleReview($id: ID!) {
  annualReview(id: $id) {
    id creditCode year status conclusion requiredSigners awaitingSignatureFrom version digest
    openedAt openedBy publishedAt publishedBy publicationJws
    institution { name }
    signatures { department signer conclusion findings signedAt jws revokedAt }
  }
}"""

RESULT_FIELDS = """
    __typename
    ... on AnnualReview { id status version }
    ... on ReviewError { code message field }
"""

OPEN_REVIEW = (
    "mutation ConsoleOpenReview($input: OpenAnnualReviewInput!) {"
    f" openAnnualReview(input: $input) {{ {RESULT_FIELDS} }} }}"
)
SIGN_REVIEW = (
    "mutation ConsoleSignReview($input: SignAnnualReviewInput!) {"
    f" signAnnualReview(input: $input) {{ {RESULT_FIELDS} }} }}"
)
REVOKE_SIGNATURE = (
    "mutation ConsoleRevokeSignature($input: RevokeSignatureInput!) {"
    f" revokeSignature(input: $input) {{ {RESULT_FIELDS} }} }}"
)
PUBLISH_REVIEW = (
    "mutation ConsolePublishReview($input: PublishAnnualReviewInput!) {"
    f" publishAnnualReview(input: $input) {{ {RESULT_FIELDS} }} }}"
)

AUDIT_EVENTS = """
query ConsoleAuditEvents($filter: AuditEventFilter, $first: Int!) {
  auditEvents(filter: $filter, first: $first) {
    totalCount
    edges { node {
      seq at clientId subject department roles purpose caseId operationType operationName
      fieldsRead fieldsMasked fieldsDenied recordKeys outcome
    } }
  }
  auditChain { intact events firstBrokenSeq headHash }
}"""

PERSON = """
query ConsolePerson($id: IdNumber!) {
  person(idNumber: $id) {
    idNumber name
    backgroundCheck { status checkedOn }
    employments { position teacherCertificate institution { creditCode name } }
  }
}"""

DASHBOARD = """
query ConsoleDashboard($region: RegionCode) {
  statistics(region: $region, groupBy: DISTRICT) {
    region asOf
    total { ...counts }
    groups { ...counts }
  }
}
fragment counts on StatisticsGroup {
  key label institutions licensed unlicensedLeads custodySupervisionRate
  openRectifications complaintsLast90Days
  riskLevels { level label count }
}"""

CASES = """
query ConsoleCases($filter: CaseFilterInput, $first: Int!) {
  cases(filter: $filter, first: $first) {
    totalCount
    edges { node {
      id kind status number creditCode region responsible assignedTo answerDue overdue
      openedAt openedBy
    } }
  }
}"""

FUNDS = """
query ConsoleFunds($code: CreditCode!) {
  institution(creditCode: $code) {
    creditCode name
    funds {
      bank accountNumber status balance riskDeposit outstandingPrepaid releasedTotal coverageRatio
      orders(first: 200) { totalCount edges { node {
        number course studentName amount lessonsBought lessonsReleased amountReleased
        orderedOn status
      } } }
      releases {
        orderNumber firstLesson lastLesson amount status approvedBy approvedAt bankReference
      }
    }
  }
}"""

APPROVE_RELEASES = """
mutation ConsoleApproveReleases($input: ApproveReleasesInput!) {
  approveReleases(input: $input) {
    __typename
    ... on LessonRelease { lessons amount status }
    ... on ReleaseError { code message }
  }
}"""

CASE = """
query ConsoleCase($id: ID!) {
  case(id: $id) {
    id kind status number creditCode region openedByDepartment responsible assignedTo
    referredBy answerDue overdue involved version openedBy openedAt updatedAt closedAt outcome
    timeline { at action status department subject clientId note }
  }
}"""

CASE_RESULT_FIELDS = """
    __typename
    ... on Case { id status version }
    ... on CaseError { code message field }
"""

ACCEPT_CASE = (
    "mutation ConsoleAcceptCase($input: AcceptCaseInput!) {"
    f" acceptCase(input: $input) {{ {CASE_RESULT_FIELDS} }} }}"
)
RETURN_CASE = (
    "mutation ConsoleReturnCase($input: ReturnCaseInput!) {"
    f" returnCase(input: $input) {{ {CASE_RESULT_FIELDS} }} }}"
)
CLOSE_CASE = (
    "mutation ConsoleCloseCase($input: CloseCaseInput!) {"
    f" closeCase(input: $input) {{ {CASE_RESULT_FIELDS} }} }}"
)
REFER_CASE = (
    "mutation ConsoleReferCase($input: ReferCaseInput!) {"
    f" referCase(input: $input) {{ {CASE_RESULT_FIELDS} }} }}"
)
