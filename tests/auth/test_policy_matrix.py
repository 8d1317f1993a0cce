"""The running hub against DESIGN §7: every role, every field of the schema, asked as
a real client with a token of that role, with a purpose and without one, compared
with the hand-written oracle (``tests/auth/policy_oracle.py``) — returned, masked in
DESIGN's format, or null with FORBIDDEN / PURPOSE_REQUIRED at its path.

The expectations never come from the policy under test: a wrong line in
``auth/policy.toml`` fails here, and a field the oracle does not place fails too,
so a new field forces a decision against the table.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, get_named_type
from starlette.requests import Request

from tests.auth.policy_oracle import (
    DEMO_CLIENTS,
    MASKS,
    ORACLE,
    ROLES,
    Effect,
    Expected,
    looks_masked,
)
from tests.funds.support import native
from tests.support.harness import HubHarness, SandboxWorld
from xietong.audit.checkpoints import make_checkpoint
from xietong.cases.live import Assignment, AssignmentReason, RiskRaise
from xietong.domain.risk import RiskLevel
from xietong.kernel.live_bus import LiveEvent
from xietong.resolvers.context import HubContext
from xietong.schema.compat import graphql_schema_of
from xietong.schema.root import build_schema

HEALTHY_EMPTY = {
    "SourceStatus.lastError",
    "AuditChainReport.firstBrokenSeq",
    "AuditChainReport.reason",
    "RiskAssessment.unavailable",
    "AnnualReview.awaitingSignatureFrom",
    "AuditEvent.traceId",  # no trace without a caller's traceparent or a configured tracer
    "ReleaseInstruction.refusalReason",
}
"""Fields that are empty in a healthy world with nothing broken or down."""

PURPOSE = "matrix test"


def schema_fields(schema: GraphQLSchema) -> set[str]:
    return {
        f"{name}.{field}"
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and not name.startswith("__")
        for field in type_.fields
    }


def test_the_oracle_places_every_field_of_the_schema_and_no_other() -> None:
    fields = schema_fields(graphql_schema_of(build_schema()))

    assert sorted(fields - set(ORACLE)) == [], "fields DESIGN §7's oracle has no row for"
    assert sorted(set(ORACLE) - fields) == [], "oracle lines for fields the schema lacks"
    assert all(set(by_role) == set(ROLES) for by_role in ORACLE.values())


@dataclass(frozen=True, slots=True)
class Step:
    coordinate: str
    arguments: str = ""

    @property
    def field(self) -> str:
        return self.coordinate.partition(".")[2]


def root_steps(samples: dict[str, str]) -> dict[str, Step]:
    """How the walk enters the schema: each root field with arguments that find data."""
    arguments = {
        "institutions": "(first: 40)",
        "institution": f'(creditCode: "{samples["creditCode"]}")',
        "person": f'(idNumber: "{samples["idNumber"]}")',
        "unlicensedOperators": "(first: 2)",
        # Education's own events hold a named request, a case id and masked fields.
        "auditEvents": '(filter: {clientId: "demo-education"}, first: 500)',
        "annualReviews": "(first: 5)",
        "annualReviewResults": "(year: 2025)",
        "annualReview": f'(id: "{samples["reviewId"]}")',
        "releaseInstructions": "(first: 5)",
        "custodyOverview": "",
        "cases": "(first: 10)",
        "case": f'(id: "{samples["caseId"]}")',
    }
    roots = ("me", "sources", "labels", "statistics", *arguments, "auditChain", "auditCheckpoints")
    return {root: Step(f"Query.{root}", arguments.get(root, "")) for root in roots}


def type_paths(
    schema: GraphQLSchema, roots: dict[str, Step], passable: Callable[[str], bool]
) -> dict[str, list[Step]]:
    """Type name → a short way to reach it from Query through ``passable`` fields.

    Each root is explored in turn (breadth first), so a type is reached through the
    first root that leads to it: ``institutions`` before ``unlicensedOperators``
    means a registration is looked at where it has the most data. ``Query`` itself
    maps to the empty path.
    """
    query = schema.query_type
    assert query is not None
    found: dict[str, list[Step]] = {query.name: []}
    for root, step in roots.items():
        target = get_named_type(query.fields[root].type)
        if root == "institution" or not passable(step.coordinate):
            continue  # Institution is reached through every institution, not one
        if not isinstance(target, GraphQLObjectType) or target.name in found:
            continue
        found[target.name] = [step]
        queue: list[tuple[GraphQLObjectType, list[Step]]] = [(target, [step])]
        while queue:
            type_, prefix = queue.pop(0)
            for name, child in type_.fields.items():
                inner = get_named_type(child.type)
                coordinate = f"{type_.name}.{name}"
                if not passable(coordinate) or not isinstance(inner, GraphQLObjectType):
                    continue
                if inner.name not in found:
                    found[inner.name] = [*prefix, Step(coordinate)]
                    queue.append((inner, [*prefix, Step(coordinate)]))
    return found


Selection = dict[str, "Selection | None"]
"""A selection set: each field (with its arguments) → its own selection, or None
for a scalar."""


def select_type(
    selection: Selection, path: list[Step], type_: GraphQLObjectType, roots: dict[str, Step]
) -> None:
    """Add every field of ``type_``, reached along ``path``, to ``selection``: scalars
    as they are, objects by ``__typename`` (their own fields come with their type)."""
    for step in path:
        inner = selection.get(f"{step.field}{step.arguments}")
        if inner is None:
            inner = selection[f"{step.field}{step.arguments}"] = {}
        selection = inner
    for name, field in type_.fields.items():
        if not path and name not in roots:
            continue
        step = roots[name] if not path else Step(f"{type_.name}.{name}")
        if isinstance(get_named_type(field.type), GraphQLObjectType):
            inner = selection.setdefault(f"{step.field}{step.arguments}", {})
            assert inner is not None
            inner.setdefault("__typename")
        else:
            selection[f"{step.field}{step.arguments}"] = None


def render(selection: Selection) -> str:
    return " ".join(
        key if inner is None else f"{key} {{ {render(inner)} }}" for key, inner in selection.items()
    )


def document(path: list[Step], inner: str) -> str:
    for step in reversed(path):
        inner = f"{step.field}{step.arguments} {{ {inner} }}"
    return f"{{ {inner} }}"


def values_at(data: Any, fields: list[str]) -> Iterator[Any]:
    """Every value found along ``fields``, lists flattened."""
    if isinstance(data, list):
        for item in data:
            yield from values_at(item, fields)
        return
    if not fields:
        yield data
        return
    if isinstance(data, dict) and fields[0] in data:
        yield from values_at(data[fields[0]], fields[1:])


def error_codes_by_path(body: dict[str, Any]) -> dict[tuple[str, ...], set[str]]:
    """The error codes of a response by the field names of their path (list indexes
    left out); read once per response, since a walk's answer has thousands of errors."""
    found: dict[tuple[str, ...], set[str]] = {}
    for error in body.get("errors", []):
        path = tuple(part for part in error.get("path", []) if isinstance(part, str))
        found.setdefault(path, set()).add(error["extensions"]["code"])
    return found


def error_codes_at(body: dict[str, Any], fields: list[str]) -> set[str]:
    return error_codes_by_path(body).get(tuple(fields), set())


def present(found: list[Any]) -> bool:
    return any(value not in (None, []) for value in found)


def effect_problem(
    expected: Expected, purpose: str | None, found: list[Any], codes: set[str]
) -> str:
    """What is wrong with one field's answer; empty if nothing."""
    if expected.effect is Effect.DENY:
        wanted = "FORBIDDEN"
    elif expected.purpose and purpose is None:
        wanted = "PURPOSE_REQUIRED"
    else:
        return f"wanted data, got errors {sorted(codes)}" if codes else ""
    if codes != {wanted} or present(found):
        return f"wanted null + {wanted}, got {sorted(codes)} and {found[:3]}"
    return ""


def mask_problem(coordinate: str, expected: Expected, found: list[Any], plain: list[Any]) -> str:
    """A field some role sees masked: plain for the roles allowed it, masked in
    DESIGN's format for the others; empty if so."""
    if any(isinstance(value, str) and "*" in value for value in plain):
        return f"the plainly allowed role got {plain[:3]}"
    if expected.effect is Effect.ALLOW:
        return "" if found == plain else f"{found[:3]} is not the plain {plain[:3]}"
    mask = MASKS[coordinate]
    pairs = list(zip(found, plain, strict=False))
    if len(found) != len(plain) or not all(
        shown == value if not value else looks_masked(mask, value, shown) for shown, value in pairs
    ):
        return f"{found[:3]} is not {plain[:3]} masked ({mask.value})"
    return ""


def walked_coordinates(schema: GraphQLSchema, role: str, roots: dict[str, Step]) -> set[str]:
    """Every field the walk asks ``role`` for: each field of each type it reaches."""

    def passable(coordinate: str) -> bool:
        return ORACLE[coordinate][role].effect is not Effect.DENY

    walked: set[str] = set()
    for type_name, path in type_paths(schema, roots, passable).items():
        type_ = schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        walked.update(f"{type_name}.{name}" for name in type_.fields if path or name in roots)
    return walked


def test_the_walk_asks_some_role_for_every_field_of_the_schema() -> None:
    """The per-role walks below, together, leave no field of the schema unasked."""
    schema = graphql_schema_of(build_schema())
    roots = root_steps(dict.fromkeys(("creditCode", "idNumber", "reviewId", "caseId"), "x"))
    asked = {f"Mutation.{name}" for name in (*MUTATIONS, *CASE_MUTATIONS)}
    # ReviewError and CaseError are reached only through the mutations' result unions,
    # which the walk does not enter: check_mutations reads them where some role gets
    # one back (a typed refusal).
    for mutations, error in ((MUTATIONS, "ReviewError"), (CASE_MUTATIONS, "CaseError")):
        if any(
            ORACLE[f"Mutation.{name}"][role].effect is not Effect.DENY
            and not ORACLE[f"Mutation.{name}"][role].purpose
            for name in mutations
            for role in ROLES
        ):
            asked.update(f"{error}.{field}" for field in ("code", "message", "field"))
    # Reachable only through the release mutations, which check_release_mutations asks
    # (education gets a LessonRelease, the others a typed ReleaseError).
    asked.update(f"Mutation.{name}" for name in RELEASE_MUTATIONS)
    lesson_release = schema.type_map["LessonRelease"]
    assert isinstance(lesson_release, GraphQLObjectType)
    asked.update(f"LessonRelease.{field}" for field in lesson_release.fields)
    asked.update(f"ReleaseError.{field}" for field in ("code", "message", "field", "first"))
    # The subscriptions, which the walk over HTTP cannot stream: check_subscriptions.
    for document in SUBSCRIPTIONS.values():
        asked |= subscription_coordinates(document)
    for role in ROLES:
        asked |= walked_coordinates(schema, role, roots)
    assert sorted(schema_fields(schema) - asked) == [], "never asked"


@pytest.mark.parametrize("role", ROLES)
async def test_a_role_gets_from_every_field_what_design_7_says(
    role: str, sqlite_harness: HubHarness, world: SandboxWorld
) -> None:
    harness = sqlite_harness
    schema: GraphQLSchema = graphql_schema_of(harness.app.state.schema)
    types = {
        name: type_
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and not name.startswith("__")
    }
    mismatches: list[str] = []
    empty: set[str] = set()
    samples = await rich_samples(harness, world)
    samples["reviewId"] = await open_review(harness, samples)
    samples["caseId"] = await open_cases(harness, samples, role)
    await education_is_refused_and_masked(harness, samples)
    await check_mutations(harness, role, samples, mismatches)
    await check_release_mutations(harness, world, role, samples, mismatches)
    await check_subscriptions(harness, role, samples, mismatches)
    await sign_revoke_resign_publish(harness, samples["reviewId"])
    key = await harness.hub.tokens.keys.signing_key()
    make_checkpoint(harness.hub.sync_engine, key, at=datetime.now(UTC))  # something to read
    roots = root_steps(samples)
    client_id = DEMO_CLIENTS[role]

    def passable(coordinate: str) -> bool:
        return ORACLE[coordinate][role].effect is not Effect.DENY

    paths = type_paths(schema, roots, passable)
    # A request a root field, with a purpose and without: every type the role
    # reaches through that root, each along its path, merged into one document.
    by_root: dict[str, dict[str, list[Step]]] = {}
    for type_name, path in paths.items():
        by_root.setdefault(path[0].field if path else "", {})[type_name] = path
    for purpose, group in itertools.product((PURPOSE, None), by_root.values()):
        reached = {
            type_name: path
            for type_name, path in group.items()
            if purpose or not any(ORACLE[step.coordinate][role].purpose for step in path)
        }
        if not reached:
            continue
        selection: Selection = {}
        for type_name, path in reached.items():
            select_type(selection, path, types[type_name], roots)
        query = f"{{ {render(selection)} }}"
        body = (await harness.graphql(client_id, query, purpose=purpose)).json()
        codes_by_path = error_codes_by_path(body)
        for type_name, path in reached.items():
            for name in types[type_name].fields:
                if path == [] and name not in roots:
                    continue
                coordinate = f"{type_name}.{name}"
                expected = ORACLE[coordinate][role]
                fields = [*(step.field for step in path), name]
                found = list(values_at(body.get("data"), fields))
                codes = codes_by_path.get(tuple(fields), set())
                problem = effect_problem(expected, purpose, found, codes)
                if not problem and coordinate in MASKS and expected.effect is not Effect.DENY:
                    if purpose:
                        plain = await plain_values(harness, coordinate, path, name)
                        problem = mask_problem(coordinate, expected, found, plain)
                if problem:
                    mismatches.append(f"{coordinate} (purpose={purpose!r}): {problem}")
                if expected.effect is not Effect.DENY and purpose and not present(found):
                    empty.add(coordinate)

    assert not mismatches, "\n".join(mismatches)
    assert empty <= HEALTHY_EMPTY, f"no data to check: {sorted(empty - HEALTHY_EMPTY)}"


MUTATIONS = {
    "openAnnualReview": '{creditCode: "%(creditCode)s", year: 2025}',
    "signAnnualReview": '{reviewId: "%(missing)s", conclusion: PASS, findings: "ok", '
    "expectedVersion: 1}",
    "revokeSignature": '{reviewId: "%(missing)s", expectedVersion: 1}',
    "publishAnnualReview": '{reviewId: "%(missing)s", expectedVersion: 1}',
}
RESULT = "{ __typename ... on AnnualReview { id } ... on ReviewError { code message field } }"


CASE_MUTATIONS = {
    "issueRectificationNotice": '{creditCode: "%(creditCode)s", basis: "b", items: [], '
    'deadline: "2099-12-31"}',
    "recordRectificationResponse": '{caseId: "%(missing)s", response: "r", expectedVersion: 1}',
    "reviewRectification": '{caseId: "%(missing)s", accepted: true, note: "n", '
    'followUpInspectedOn: "2020-01-01", expectedVersion: 1}',
    "referCase": '{caseId: "%(missing)s", to: EDUCATION, note: "n", expectedVersion: 1}',
    "acceptCase": '{caseId: "%(missing)s", expectedVersion: 1}',
    "returnCase": '{caseId: "%(missing)s", reason: "r", expectedVersion: 1}',
    "closeCase": '{caseId: "%(missing)s", outcome: "o", expectedVersion: 1}',
    "submitTipOff": '{subject: {}, category: OTHER, content: "c", channel: HOTLINE}',
    "decideReward": '{caseId: "%(missing)s", amount: "500.00", reason: "r", expectedVersion: 1}',
    "openComplaint": '{creditCode: "%(creditCode)s", content: "c", amountClaimed: "-1", '
    "channel: HOTLINE}",
    "recordMediation": '{caseId: "%(missing)s", outcome: SETTLED, amountRefunded: "1", '
    'note: "n", expectedVersion: 1}',
    "recordInspection": '{creditCode: "%(creditCode)s", inspectedOn: "2020-01-01", '
    "kind: JOINT, departments: [], findings: []}",
    "confirmInspectionFindings": '{caseId: "%(missing)s", expectedVersion: 1}',
}
CASE_RESULT = "{ __typename ... on Case { id version } ... on CaseError { code message field } }"
CASE_HOLDERS = {
    "MARKET_SUPERVISION": "demo-market",
    "PUBLIC_SECURITY": "demo-police",
    "FIRE_SAFETY": "demo-fire",
    "FINANCE": "demo-finance",
    "CULTURE_TOURISM": "demo-culture",
    "SCIENCE_TECHNOLOGY": "demo-tech",
    "SPORTS": "demo-sports",
}
"""Every department but education (which issues) and the auditors, with its client."""


def case_holders(role: str) -> dict[str, str]:
    """The departments ``role``'s walk hands cases to, with their clients: its own, if
    it is one of CASE_HOLDERS (so that it has a part in every case and sees it), else
    market supervision's (so that there are referrals to read)."""
    own = {d: c for d, c in CASE_HOLDERS.items() if c == DEMO_CLIENTS[role]}
    return own or {"MARKET_SUPERVISION": CASE_HOLDERS["MARKET_SUPERVISION"]}


async def open_cases(harness: HubHarness, samples: dict[str, str], role: str) -> str:
    """A case of every kind, each handed to ``role``'s department and back (so that it
    has a part in it and sees it; see ``case_holders``): two tip-offs (a listed
    institution's, rewarded, and an unlisted operator's), a complaint mediated without
    settlement, a joint inspection one department has not confirmed yet, and two
    notices of education's (one answered, rejected and closed; one referred to market
    supervision and waiting). The second notice's id."""
    holders = case_holders(role)

    async def change(client_id: str, name: str, arguments: str) -> dict[str, Any]:
        query = f"mutation {{ {name}(input: {{{arguments}}}) {CASE_RESULT} }}"
        result: dict[str, Any] = (await harness.graphql(client_id, query)).json()["data"][name]
        assert result["__typename"] == "Case", result
        return result

    async def hand_round(case: dict[str, Any]) -> dict[str, Any]:
        """``case`` referred by education to each holder and returned."""
        at = f'caseId: "{case["id"]}"'
        for department, client_id in holders.items():
            case = await change(
                "demo-education",
                "referCase",
                f'{at}, to: {department}, note: "yours?", expectedVersion: {case["version"]}',
            )
            case = await change(
                client_id,
                "returnCase",
                f'{at}, reason: "not ours", expectedVersion: {case["version"]}',
            )
        return case

    listed = f'creditCode: "{samples["creditCode"]}"'
    unlisted = 'name: "星星补习班", address: "鼓楼区书店街12号"'
    for subject in (listed, unlisted):
        tip_off = await change(
            "demo-education",
            "submitTipOff",
            f"subject: {{{subject}}}, category: ILLEGAL_FEES, "
            'content: "refuses refunds", channel: HOTLINE, concerns: [REFUND_REFUSED], '
            'reporter: {name: "王小明", phone: "13800138000"}',
        )
        if subject is listed:
            tip_off = await change(
                "demo-education",
                "decideReward",
                f'caseId: "{tip_off["id"]}", amount: "500.00", reason: "true", expectedVersion: 1',
            )
        await hand_round(tip_off)
    complaint = await change(
        "demo-education",
        "openComplaint",
        f'creditCode: "{samples["creditCode"]}", content: "no refund", '
        'amountClaimed: "6800", channel: HOTLINE',
    )
    complaint = await change(
        "demo-education",
        "recordMediation",
        f'caseId: "{complaint["id"]}", outcome: NOT_SETTLED, amountRefunded: "0", '
        'note: "refused to meet", expectedVersion: 1',
    )
    await hand_round(complaint)
    # The holders confirm their findings; one more department, listed, has not yet.
    waiting = next(d for d in ("SPORTS", "MARKET_SUPERVISION") if d not in holders)
    listed_departments = ["EDUCATION", *holders, waiting]
    findings = ", ".join(
        f'{{department: {d}, item: "premises", result: "ok", note: "seen"}}'
        for d in listed_departments
    )
    photo = b"the entrance, photographed"
    digest = hashlib.sha256(photo).hexdigest()
    inspection = await change(
        "demo-education",
        "recordInspection",
        f'creditCode: "{samples["creditCode"]}", inspectedOn: "2020-01-01", kind: JOINT, '
        f"departments: [{', '.join(listed_departments)}], findings: [{findings}], "
        f'attachments: [{{name: "entrance.jpg", mediaType: "image/jpeg", '
        f'sha256: "{digest}", size: {len(photo)}}}]',
    )
    uploaded = await harness.http.put(
        f"/cases/{inspection['id']}/attachments/{digest}",
        content=photo,
        headers={"Authorization": f"Bearer {await harness.token('demo-education')}"},
    )
    assert uploaded.status_code == 201, uploaded.text
    for client_id in holders.values():
        inspection = await change(
            client_id,
            "confirmInspectionFindings",
            f'caseId: "{inspection["id"]}", expectedVersion: {inspection["version"]}',
        )
    ids = []
    for closed in (True, False):
        case = await change(
            "demo-education",
            "issueRectificationNotice",
            f'creditCode: "{samples["creditCode"]}", basis: "办法第十四条", '
            'items: ["hang the licence"], deadline: "2099-12-31"',
        )
        at = f'caseId: "{case["id"]}"'
        if closed:
            case = await change(
                "demo-education",
                "recordRectificationResponse",
                f'{at}, response: "hung", expectedVersion: {case["version"]}',
            )
            case = await change(
                "demo-education",
                "reviewRectification",
                f'{at}, accepted: false, note: "in the back office", '
                f'followUpInspectedOn: "2020-01-01", expectedVersion: {case["version"]}',
            )
        case = await hand_round(case)
        if closed:
            await change(
                "demo-education",
                "closeCase",
                f'{at}, outcome: "closed down", expectedVersion: {case["version"]}',
            )
        else:
            await change(
                "demo-education",
                "referCase",
                f'{at}, to: MARKET_SUPERVISION, note: "fees", expectedVersion: {case["version"]}',
            )
        ids.append(case["id"])
    return str(ids[-1])


async def open_review(harness: HubHarness, samples: dict[str, str]) -> str:
    """Education opens a review of the sample institution, so there is one to read."""
    arguments = MUTATIONS["openAnnualReview"] % samples
    query = f"mutation {{ openAnnualReview(input: {arguments}) {RESULT} }}"
    result = (await harness.graphql("demo-education", query)).json()["data"]["openAnnualReview"]
    assert result["__typename"] == "AnnualReview", result
    return str(result["id"])


async def education_is_refused_and_masked(harness: HubHarness, samples: dict[str, str]) -> None:
    """Education asks for a field it may not read and one it sees masked, so the
    access log the auditor reads holds denied and masked fields and error codes."""
    query = f"""{{ auditChain {{ intact }}
        institution(creditCode: "{samples["creditCode"]}") {{ funds {{ accountNumber }} }} }}"""
    body = (await harness.graphql("demo-education", query, purpose=PURPOSE)).json()
    assert error_codes_at(body, ["auditChain"]) == {"FORBIDDEN"}, body


async def check_mutations(
    harness: HubHarness, role: str, samples: dict[str, str], mismatches: list[str]
) -> None:
    """Each mutation for ``role``, with a purpose and without: refused, or a typed result."""
    values = {**samples, "missing": "00000000-0000-0000-0000-000000000000"}
    for name, arguments in MUTATIONS.items():
        query = f"mutation {{ {name}(input: {arguments % values}) {RESULT} }}"
        for result in await answers_allowed(harness, role, name, query, mismatches):
            if result["__typename"] == "ReviewError":
                assert result["code"], result
                assert result["message"], result
    for name, arguments in CASE_MUTATIONS.items():
        query = f"mutation {{ {name}(input: {arguments % values}) {CASE_RESULT} }}"
        for result in await answers_allowed(harness, role, name, query, mismatches):
            # Nothing to change with these inputs: the workflow refuses, typed.
            assert result["__typename"] == "CaseError", result
            assert result["code"], result
            assert result["message"], result


async def answers_allowed(
    harness: HubHarness, role: str, name: str, query: str, mismatches: list[str]
) -> list[dict[str, Any]]:
    """``role`` asks mutation ``name`` (``query``) with a purpose and without: an
    answer other than DESIGN §7's effect is noted in ``mismatches``; the results of
    the asks the role may make (granted, no purpose needed), for the caller to check."""
    coordinate = f"Mutation.{name}"
    expected = ORACLE[coordinate][role]
    allowed = []
    for purpose in (PURPOSE, None):
        body = (await harness.graphql(DEMO_CLIENTS[role], query, purpose=purpose)).json()
        result = (body.get("data") or {}).get(name)
        problem = effect_problem(expected, purpose, [result], error_codes_at(body, [name]))
        if problem:
            mismatches.append(f"{coordinate} (purpose={purpose!r}): {problem}")
        elif expected.effect is not Effect.DENY and not expected.purpose:
            assert result is not None, body
            allowed.append(result)
    return allowed


RELEASE_RESULT = (
    "{ __typename ... on LessonRelease { creditCode idempotencyKey approvedBy approvedAt lessons"
    " amount status instructions { id } } ... on ReleaseError { code message field"
    " first { creditCode } } }"
)
RELEASE_MUTATIONS = {
    "approveLessonRelease": '{creditCode: "%(creditCode)s", orderNumber: "NO-SUCH-ORDER", '
    'lessons: 1, idempotencyKey: "matrix-one"}',
    "approveReleases": '{creditCode: "%(released)s", through: "%(today)s", '
    'idempotencyKey: "matrix-all"}',
}


async def check_release_mutations(
    harness: HubHarness,
    world: SandboxWorld,
    role: str,
    samples: dict[str, str],
    mismatches: list[str],
) -> None:
    """Education releases a lesson given at one of the first institutions (so that the
    ledger has a release to read); then ``role`` asks both release mutations, with a
    purpose and without: refused, or a typed result (NOT_PERMITTED, NOT_FOUND, or
    DUPLICATE with the first outcome)."""
    today = harness.hub.today().isoformat()
    released = await release_a_lesson(harness, world, samples["firstCodes"].split(","), today)
    values = {**samples, "released": released, "today": today}
    for name, arguments in RELEASE_MUTATIONS.items():
        query = f"mutation {{ {name}(input: {arguments % values}) {RELEASE_RESULT} }}"
        for result in await answers_allowed(harness, role, name, query, mismatches):
            assert result["__typename"] == "ReleaseError", result
            assert result["message"], result
            if role != "education.supervisor":
                assert result["code"] == "NOT_PERMITTED", result
            elif name == "approveReleases":
                assert result["code"] == "DUPLICATE", result
                assert result["first"]["creditCode"] == released, result
            else:
                assert result["code"] == "NOT_FOUND", result


async def release_a_lesson(
    harness: HubHarness, world: SandboxWorld, codes: list[str], today: str
) -> str:
    """The institution, among ``codes``, of which education released every lesson given
    and confirmed. The sandbox world is shared by every role's test: each first
    confirms a lesson more in education's ``xkjl`` on a running order with lessons left
    (at a NORMAL account), so that a release waits whichever role runs first."""
    with native(world.data_dir) as banks:
        candidates = [
            order
            for order in banks.orders()
            if order.credit_code in codes
            and order.status in RUNNING
            and banks.account_state(order) == "0"
            and order.released < order.lessons
            and order.confirmed < order.lessons
        ]
        for order in sorted(candidates, key=lambda order: codes.index(order.credit_code)):
            banks.confirm(order, 1)
            query = (
                f'mutation {{ approveReleases(input: {{creditCode: "{order.credit_code}", '
                f'through: "{today}", idempotencyKey: "matrix-all"}}) {RELEASE_RESULT} }}'
            )
            body = (await harness.graphql("demo-education", query)).json()
            if body["data"]["approveReleases"]["__typename"] == "LessonRelease":
                return order.credit_code
    raise AssertionError("no lesson could be given and released among the first institutions")


RUNNING = {"1", "O"}
"""A running order in Jinming's and Songdu's codes."""


async def sign_revoke_resign_publish(harness: HubHarness, review_id: str) -> None:
    """Give the review every kind of data: a revoked signature, a live one, publication."""
    steps = [
        ("signAnnualReview", 'conclusion: FAIL, findings: "fire exits blocked"'),
        ("revokeSignature", ""),
        ("signAnnualReview", 'conclusion: PASS, findings: "fire exits cleared"'),
        ("publishAnnualReview", ""),
    ]
    version = 1
    for name, extra in steps:
        arguments = f'reviewId: "{review_id}", expectedVersion: {version}' + (
            f", {extra}" if extra else ""
        )
        query = (
            f"mutation {{ {name}(input: {{{arguments}}}) {{ __typename "
            "... on AnnualReview { version } ... on ReviewError { code message } } }"
        )
        result = (await harness.graphql("demo-education", query)).json()["data"][name]
        assert result["__typename"] == "AnnualReview", result
        version = result["version"]


async def plain_values(
    harness: HubHarness, coordinate: str, path: list[Step], name: str
) -> list[Any]:
    """The field's values as a role that DESIGN allows to read them plainly sees them."""
    role = next(role for role in ROLES if ORACLE[coordinate][role].effect is Effect.ALLOW)
    body = (await harness.graphql(DEMO_CLIENTS[role], document(path, name), purpose=PURPOSE)).json()
    return list(values_at(body.get("data"), [*(step.field for step in path), name]))


SAMPLES: dict[str, dict[str, str]] = {}
"""``rich_samples`` per sandbox world, which every role's walk shares: found once."""


async def rich_samples(harness: HubHarness, world: SandboxWorld) -> dict[str, str]:
    """An institution, and a person whose background check found a record (so that
    every field of the check has a value to look at); a fresh copy for each walk.
    Education asks a named question about the institution with a case id, so that
    the access log the auditor reads holds both."""
    key = str(world.data_dir)
    if key not in SAMPLES:
        SAMPLES[key] = await find_rich_samples(harness)
    samples = dict(SAMPLES[key])
    response = await harness.graphql(
        "demo-education",
        f'query Sample {{ institution(creditCode: "{samples["creditCode"]}") {{ name }} }}',
        case_id="MATRIX-1",
    )
    assert response.json()["data"]["institution"]["name"], response.text
    return samples


async def find_rich_samples(harness: HubHarness) -> dict[str, str]:
    response = await harness.graphql(
        "demo-education",
        """query Samples { institutions(first: 200) { edges { node {
            creditCode staff { idNumber backgroundCheck { status } }
            risk { signals { code } } premises { acceptance } } } } }""",
        case_id="MATRIX-1",
    )
    nodes = [edge["node"] for edge in response.json()["data"]["institutions"]["edges"]]
    flagged = [
        member["idNumber"]
        for node in nodes
        for member in node["staff"]
        if member["backgroundCheck"]["status"] == "RECORD_FOUND"
    ]
    assert flagged, "the seeded world has no staff member with a record found"
    # The review sample must be one a PASS does not contradict (CONTRADICTS_RECORD).
    passable = next(
        node
        for node in nodes
        if not {"BLACKLISTED", "LICENSE_INACTIVE"} & {s["code"] for s in node["risk"]["signals"]}
        and all(campus["acceptance"] != "FAILED" for campus in node["premises"])
    )
    return {
        "creditCode": passable["creditCode"],
        "idNumber": flagged[0],
        "firstCodes": ",".join(node["creditCode"] for node in nodes[:40]),
    }


SUBSCRIPTIONS = {
    "caseAssigned": "subscription { caseAssigned { reason at case { id } } }",
    "riskRaised": "subscription { riskRaised { creditCode region previous level at } }",
}
"""Every field of the live notice's own types (the case is ``Case``, walked above)."""


def subscription_coordinates(document: str) -> set[str]:
    """The coordinates a document of ``SUBSCRIPTIONS`` selects (``Case.id`` aside)."""
    if "caseAssigned" in document:
        assigned = ("reason", "at", "case")
        return {"Subscription.caseAssigned", *(f"CaseAssignment.{f}" for f in assigned)}
    raised = ("creditCode", "region", "previous", "level", "at")
    return {"Subscription.riskRaised", *(f"RiskRaise.{f}" for f in raised)}


async def check_subscriptions(
    harness: HubHarness, role: str, samples: dict[str, str], mismatches: list[str]
) -> None:
    """Each subscription for ``role``, with a purpose and without, through the schema
    as the transports run it: refused before it starts (FORBIDDEN, PURPOSE_REQUIRED)
    or started; then the notice it listens for (a case assigned to the role's
    department, a risk raised) arrives with each field the role may read."""
    principal = await harness.hub.tokens.verifier.verify(await harness.token(DEMO_CLIENTS[role]))
    schema = harness.app.state.schema
    case_id = samples["caseId"]
    case = await harness.graphql("demo-education", f'{{ case(id: "{case_id}") {{ region }} }}')
    case_region = case.json()["data"]["case"]["region"]
    now = datetime.now(UTC)
    notices = {
        "caseAssigned": Assignment(
            case_id, principal.department, case_region, AssignmentReason.REFERRED, now
        ).event(),
        "riskRaised": RiskRaise(
            samples["creditCode"], "410202", RiskLevel.HIGH, RiskLevel.LOW, now
        ).event(),
    }
    for name, document in SUBSCRIPTIONS.items():
        expected = ORACLE[f"Subscription.{name}"][role]
        for purpose in (PURPOSE, None):
            context = HubContext(
                request=Request({"type": "http", "headers": [], "state": {}}),
                hub=harness.hub,
                policy=harness.app.state.policy,
                principal=principal,
                purpose=purpose,
            )
            stream = await schema.subscribe(document, context_value=context)
            listening = harness.hub.live.subscribers
            publisher = asyncio.create_task(
                publish_when_listening(harness, notices[name], listening)
            )
            # Read in this task: a stream is opened and closed in one context. A
            # refusal comes at once, the notice once the subscription listens.
            try:
                async with asyncio.timeout(10):
                    result = await anext(stream)
            finally:
                publisher.cancel()
                await asyncio.gather(publisher, return_exceptions=True)
                await stream.aclose()
            values = (result.data or {}).get(name) or {}
            codes = {e.extensions.get("code") for e in result.errors or [] if e.extensions}
            for coordinate in sorted(subscription_coordinates(document)):
                field = coordinate.split(".")[1]
                found = (
                    [values or None]
                    if coordinate.startswith("Subscription.")
                    else [values.get(field)]
                )
                problem = effect_problem(ORACLE[coordinate][role], purpose, found, codes)
                if problem:
                    mismatches.append(f"{coordinate} (purpose={purpose!r}): {problem}")
            if expected.effect is not Effect.DENY and (purpose or not expected.purpose):
                if name == "riskRaised":
                    assert values.get("creditCode") == samples["creditCode"], result
                else:
                    assert values.get("case") == {"id": case_id}, result


async def publish_when_listening(harness: HubHarness, event: LiveEvent, listening: int) -> None:
    """Publish ``event`` as soon as one more subscription than ``listening`` listens
    (one refused never does)."""
    while harness.hub.live.subscribers <= listening:  # noqa: ASYNC110 - counted, not signalled
        await asyncio.sleep(0.01)
    await harness.hub.live.publish(None, event)
