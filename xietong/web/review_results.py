"""``GET /reviews/results.csv?year=2025[&region=410202]``: a year's published annual
review results as a file a portal publishes and Excel opens (UTF-8 with a BOM).

It is the GraphQL field ``annualReviewResults { csv }`` asked on the caller's behalf
with its bearer token: the same policy, scope, purpose and access log as any other
read (the event names the operation ``AnnualReviewResultsCsv``).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from xietong.auth.backend import principal_of, unauthenticated_response
from xietong.kernel.errors import ErrorCode
from xietong.resolvers.context import HubContext
from xietong.web.graphql import record_statement
from xietong.web.graphql_http import RequestProblem, problem_response
from xietong.web.purpose import stated
from xietong.web.reload import CurrentGraphQL

RESULTS_CSV = "/reviews/results.csv"
OPERATION = "AnnualReviewResultsCsv"
DOCUMENT = (
    f"query {OPERATION}($year: Int!, $region: RegionCode) "
    "{ annualReviewResults(year: $year, region: $region) { csv } }"
)
STATUS = {
    ErrorCode.BAD_USER_INPUT.value: 400,
    ErrorCode.UNAUTHENTICATED.value: 401,
    ErrorCode.FORBIDDEN.value: 403,
    ErrorCode.PURPOSE_REQUIRED.value: 403,
    ErrorCode.OUT_OF_SCOPE.value: 403,
    "SOURCE_UNAVAILABLE": 503,
}
"""HTTP status of a refusal, by its code (anything else: 500)."""


class ReviewResultsCsv:
    """The endpoint, over the schema and policy in force (a reload replaces them)."""

    def __init__(self, graphql: CurrentGraphQL) -> None:
        self.graphql = graphql

    async def respond(self, request: Request) -> Response:
        principal = principal_of(request.scope)
        if principal is None:
            return unauthenticated_response(
                "a bearer access token is required", invalid_token=False
            )
        endpoint = self.graphql.endpoint  # one schema and policy for the whole request
        try:
            variables = _variables(request)
            context = HubContext(
                request=request,
                hub=request.app.state.hub,
                policy=endpoint.policy,
                principal=principal,
            )
            record_statement(request.scope, stated(request.headers), context)
        except RequestProblem as problem:
            return problem_response(problem, "application/json")
        result = await endpoint.schema.execute(
            DOCUMENT, variable_values=variables, context_value=context, operation_name=OPERATION
        )
        if result.errors or not result.data or not result.data["annualReviewResults"]:
            errors = [error.formatted for error in result.errors or []]
            codes = [str((error.get("extensions") or {}).get("code")) for error in errors]
            return Response(
                json.dumps({"errors": errors}, ensure_ascii=False),
                status_code=STATUS.get(codes[0], 500) if codes else 500,
                media_type="application/json; charset=utf-8",
            )
        name = f"年检结果公示-{variables['year']}.csv"
        return Response(
            result.data["annualReviewResults"]["csv"].encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="annual-review-results-'
                f"{variables['year']}.csv\"; filename*=UTF-8''{quote(name)}"
            },
        )


def _variables(request: Request) -> dict[str, object]:
    params = request.query_params
    unknown = sorted(set(params) - {"year", "region"})
    if unknown:
        raise RequestProblem(400, f"unknown query parameters {unknown}; give year and region")
    year = params.get("year", "")
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        raise RequestProblem(400, "year must be given as four digits, e.g. ?year=2025")
    return {"year": int(year), "region": params.get("region")}
