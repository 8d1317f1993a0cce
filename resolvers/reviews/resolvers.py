"""What the schema calls for the review mutations: who is acting, the institution
they name, and the workflow's answer (``ReviewRecord`` or ``ReviewFailure``)."""

from __future__ import annotations

from functools import partial

from xietong.kernel.errors import CodedError, ErrorCode
from xietong.resolvers import joint_record
from xietong.resolvers.context import HubContext
from xietong.resolvers.writes import write_event
from xietong.reviews.records import ReviewConclusion
from xietong.reviews.service import ReviewResult, ReviewService

FIRST_YEAR = 2000
MAX_FINDINGS = 20_000


async def open_annual_review(context: HubContext, credit_code: str, year: int) -> ReviewResult:
    actor = context.actor
    _check_year(year, context.hub.today().year)
    institution = await context.loaders.institutions.load(credit_code)
    return await _service(context).open(actor, credit_code, year, institution)


async def sign_annual_review(
    context: HubContext,
    review_id: str,
    conclusion: ReviewConclusion,
    findings: str,
    expected_version: int,
) -> ReviewResult:
    actor = context.actor
    return await _service(context).sign(
        actor,
        review_id,
        conclusion,
        _checked_findings(findings),
        expected_version,
        observe=partial(joint_record.observation, context),
    )


async def revoke_signature(
    context: HubContext, review_id: str, expected_version: int
) -> ReviewResult:
    actor = context.actor
    return await _service(context).revoke(actor, review_id, expected_version)


async def publish_annual_review(
    context: HubContext, review_id: str, expected_version: int
) -> ReviewResult:
    actor = context.actor
    return await _service(context).publish(actor, review_id, expected_version)


def _service(context: HubContext) -> ReviewService:
    return ReviewService(context.hub.sessions, context.hub.tokens.keys, event=write_event(context))


def _check_year(year: int, this_year: int) -> None:
    if not FIRST_YEAR <= year <= this_year:
        raise CodedError(
            ErrorCode.BAD_USER_INPUT,
            f"input.year: {year} is not a year that can be reviewed ({FIRST_YEAR}-{this_year})",
            argument="input.year",
        )


def _checked_findings(findings: str) -> str:
    if not findings.strip():
        raise CodedError(
            ErrorCode.BAD_USER_INPUT,
            "input.findings: say what the review found (it is signed with the conclusion)",
            argument="input.findings",
        )
    if len(findings) > MAX_FINDINGS:
        raise CodedError(
            ErrorCode.BAD_USER_INPUT,
            f"input.findings: at most {MAX_FINDINGS} characters",
            argument="input.findings",
        )
    return findings
