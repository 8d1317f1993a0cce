"""Documents the limit tests measure: the heaviest page a partner legitimately
asks for, and shapes that should be refused."""

from __future__ import annotations

EVERY_SECTION = """
  creditCode name region category domains supervisors
  license { number status issuedOn validUntil }
  courses { name subject hours price prepaidLimitMonths teacherIdNumber }
  staff { name idNumber position teacherCertificate
          backgroundCheck { status checkedOn recordCategories } }
  inspections { inspectedOn inspector result
                notices { issuedOn deadline status content } }
  tipOffs { receivedOn content reporter status }
  registration { creditCode name region status businessScope legalRepresentative
                 registeredOn nonProfit
                 penalties { decisionNumber decidedOn authority kind amount reason basis } }
  complaints { filedOn kind amount status summary }
  fireSafety { acceptance acceptanceValidUntil lastInspectionOn openHazards sealed }
  premises { name address area acceptance acceptanceValidUntil documentNumber openHazards
             sealed }
  blacklist { listedOn listedBy reason until }
  advertisements { foundOn medium finding outcome penalty { decisionNumber amount } }
  funds { bank accountNumber balance riskDeposit outstandingPrepaid releasedTotal
          coverageRatio }
  annualReviews { id year status requiredSigners conclusion version digest openedAt
                  publishedAt awaitingSignatureFrom
                  signatures { department signer conclusion findings signedAt jws revokedAt } }
  risk { level unavailable signals { code department detail } }
"""

JOINT_PAGE = (
    "query JointPage($first: Int = 100) { institutions(first: $first) { totalCount "
    "pageInfo { hasNextPage endCursor } edges { cursor node { " + EVERY_SECTION + " } } } }"
)
"""A page of 100 institutions with every section of the joint record."""

EXPLOSIVE = """
{ institutions(first: 500) { edges { node {
    annualReviews { institution { staff { backgroundCheck { recordCategories } }
                                  inspections { notices { content } } } }
} } } }
"""
"""Nested lists under a full page: hundreds of millions of values in the worst case."""
