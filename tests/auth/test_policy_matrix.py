"""The policy matrix over the real schema: every field, every role, the effect the
policy file says — returned, masked, or null with FORBIDDEN / PURPOSE_REQUIRED.

Generic: it walks the schema, so a field added without a policy line makes the hub
refuse to start (and this test with it), and a line that does not hold fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type

from tests.support.harness import HubHarness
from xietong.audit.checkpoints import make_checkpoint
from xietong.auth.masking import MASKS
from xietong.auth.policy import DENIED, Effect, Grant, Policy
from xietong.auth.schema_policy import effective_grants, object_types
from xietong.schema.compat import graphql_schema_of

HEALTHY_EMPTY = {
    "SourceStatus.lastError",
    "AuditChainReport.firstBrokenSeq",
    "AuditChainReport.reason",
    "RiskAssessment.unavailable",
    "AnnualReview.awaitingSignatureFrom",
}
"""Fields that are empty in a healthy world with nothing broken or down."""

ROLES = {
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


@dataclass(frozen=True, slots=True)
class Step:
    field: str
    arguments: str = ""


def root_steps(samples: dict[str, str]) -> dict[str, Step]:
    """How the walk enters the schema: each root field with arguments that find data."""
    return {
        "me": Step("me"),
        "sources": Step("sources"),
        "institutions": Step("institutions", "(first: 40)"),
        "institution": Step("institution", f'(creditCode: "{samples["creditCode"]}")'),
        "person": Step("person", f'(idNumber: "{samples["idNumber"]}")'),
        "unlicensedOperators": Step("unlicensedOperators", "(first: 2)"),
        "auditEvents": Step("auditEvents", "(first: 500)"),
        "annualReviews": Step("annualReviews", "(first: 5)"),
        "annualReview": Step("annualReview", f'(id: "{samples["reviewId"]}")'),
        "auditChain": Step("auditChain"),
        "auditCheckpoints": Step("auditCheckpoints"),
    }


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
        field = query.fields[root]
        target = get_named_type(field.type)
        if root == "institution" or not passable(f"Query.{root}"):
            continue  # Institution is reached through every institution, not one
        if not isinstance(target, GraphQLObjectType) or target.name in found:
            continue
        found[target.name] = [step]
        queue: list[tuple[GraphQLObjectType, list[Step]]] = [(target, [step])]
        while queue:
            type_, prefix = queue.pop(0)
            for name, child in type_.fields.items():
                inner = get_named_type(child.type)
                if not passable(f"{type_.name}.{name}") or not isinstance(inner, GraphQLObjectType):
                    continue
                if inner.name not in found:
                    found[inner.name] = [*prefix, Step(name)]
                    queue.append((inner, [*prefix, Step(name)]))
    return found


def selection(type_: GraphQLObjectType, roots: dict[str, Step], at_root: bool) -> str:
    """Every field of ``type_``: scalars as they are, objects by ``__typename``."""
    parts = []
    for name, field in type_.fields.items():
        if at_root and name not in roots:
            continue
        step = roots[name] if at_root else Step(name)
        leaf = isinstance(get_named_type(field.type), GraphQLObjectType)
        parts.append(f"{step.field}{step.arguments}{' { __typename }' if leaf else ''}")
    return " ".join(parts)


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


def error_codes_at(body: dict[str, Any], fields: list[str]) -> set[str]:
    return {
        error["extensions"]["code"]
        for error in body.get("errors", [])
        if [part for part in error.get("path", []) if isinstance(part, str)] == fields
    }


async def test_every_field_has_the_policys_effect_for_every_role(
    sqlite_harness: HubHarness,
) -> None:
    harness = sqlite_harness
    schema = graphql_schema_of(harness.app.state.schema)
    policy: Policy = harness.app.state.policy
    effective = effective_grants(policy, schema)
    checked: set[str] = set()
    mismatches: list[str] = []
    empty: set[str] = set()
    samples = await rich_samples(harness)
    samples["reviewId"] = await check_mutations(harness, samples, effective, checked, mismatches)
    await sign_revoke_resign_publish(harness, samples["reviewId"])
    key = await harness.hub.tokens.keys.signing_key()
    make_checkpoint(harness.hub.sync_engine, key, at=datetime.now(UTC))  # something to read
    roots = root_steps(samples)

    for role, client_id in ROLES.items():

        def passable(coordinate: str, role: str = role) -> bool:
            return effective.get(coordinate, {}).get(role, DENIED).effect is not Effect.DENY

        for type_name, path in type_paths(schema, roots, passable).items():
            type_ = object_types(schema)[type_name]
            query = document(path, selection(type_, roots, at_root=not path))
            grants = {f: effective[f"{type_name}.{f}"].get(role, DENIED) for f in type_.fields}
            needs_purpose = any(grant.purpose_required for grant in grants.values())
            for purpose in ("matrix test", None) if needs_purpose else ("matrix test",):
                body = (await harness.graphql(client_id, query, purpose=purpose)).json()
                for name, grant in grants.items():
                    if path == [] and name not in roots:
                        continue
                    coordinate = f"{type_name}.{name}"
                    fields = [*(step.field for step in path), name]
                    found = list(values_at(body.get("data"), fields))
                    problem = effect_problem(grant, purpose, found, error_codes_at(body, fields))
                    if problem:
                        mismatches.append(f"{role} {coordinate} (purpose={purpose!r}): {problem}")
                    elif grant.effect is Effect.MASK and purpose:
                        reference = await allowed_values(harness, effective[coordinate], path, name)
                        masked = [MASKS[grant.mask](v) if v else v for v in reference]  # type: ignore[index]
                        if found != masked or found == reference:
                            mismatches.append(f"{role} {coordinate}: {found} is not {masked}")
                    if grant.effect is not Effect.DENY and purpose and not present(found):
                        empty.add(coordinate)
                    checked.add(coordinate)

    every_field = {
        f"{name}.{field}" for name, type_ in object_types(schema).items() for field in type_.fields
    }
    assert not mismatches, "\n".join(mismatches)
    assert checked == every_field, f"never reached: {sorted(every_field - checked)}"
    assert empty <= HEALTHY_EMPTY, f"no data to check: {sorted(empty - HEALTHY_EMPTY)}"


def present(found: list[Any]) -> bool:
    return any(value not in (None, []) for value in found)


def effect_problem(grant: Grant, purpose: str | None, found: list[Any], codes: set[str]) -> str:
    """What is wrong with one field's answer, given the grant; empty if nothing."""
    if grant.effect is Effect.DENY:
        expected = "FORBIDDEN"
    elif grant.purpose_required and purpose is None:
        expected = "PURPOSE_REQUIRED"
    else:
        return f"wanted data, got errors {sorted(codes)}" if codes else ""
    if codes != {expected} or present(found):
        return f"wanted null + {expected}, got {sorted(codes)} and {found[:3]}"
    return ""


MUTATIONS = {
    "openAnnualReview": '{creditCode: "%(creditCode)s", year: 2025}',
    "signAnnualReview": '{reviewId: "%(missing)s", conclusion: PASS, findings: "ok", '
    "expectedVersion: 1}",
    "revokeSignature": '{reviewId: "%(missing)s", expectedVersion: 1}',
    "publishAnnualReview": '{reviewId: "%(missing)s", expectedVersion: 1}',
}
RESULT = "{ __typename ... on AnnualReview { id } ... on ReviewError { code message field } }"


async def check_mutations(
    harness: HubHarness,
    samples: dict[str, str],
    effective: dict[str, dict[str, Grant]],
    checked: set[str],
    mismatches: list[str],
) -> str:
    """Each mutation for each role: refused, or a typed result. Returns the id of the
    review education opened, so the queries have one to read."""
    review_id = ""
    values = {**samples, "missing": "00000000-0000-0000-0000-000000000000"}
    for role, client_id in ROLES.items():
        for name, arguments in MUTATIONS.items():
            coordinate = f"Mutation.{name}"
            grant = effective[coordinate].get(role, DENIED)
            query = f"mutation {{ {name}(input: {arguments % values}) {RESULT} }}"
            body = (await harness.graphql(client_id, query, purpose="matrix test")).json()
            result = (body.get("data") or {}).get(name)
            problem = effect_problem(grant, "matrix test", [result], error_codes_at(body, [name]))
            if problem:
                mismatches.append(f"{role} {coordinate}: {problem}")
            elif grant.effect is not Effect.DENY:
                assert result is not None
                if result["__typename"] == "AnnualReview":
                    review_id = result["id"]
                else:
                    checked.update(f"ReviewError.{field}" for field in ("code", "message", "field"))
            checked.add(coordinate)
    assert review_id, "no role could open a review"
    return review_id


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


async def allowed_values(
    harness: HubHarness, grants: dict[str, Grant], path: list[Step], name: str
) -> list[Any]:
    """The field's values as a role allowed to read them plainly sees them."""
    role = next(role for role, grant in grants.items() if grant.effect is Effect.ALLOW)
    query = document(path, name)
    body = (await harness.graphql(ROLES[role], query, purpose="matrix test")).json()
    return list(values_at(body.get("data"), [*(step.field for step in path), name]))


async def rich_samples(harness: HubHarness) -> dict[str, str]:
    """An institution, and a person whose background check found a record (so that
    every field of the check has a value to look at)."""
    response = await harness.graphql(
        "demo-police",
        """query Samples { institutions(first: 200) { edges { node {
            creditCode staff { idNumber backgroundCheck { status } } } } } }""",
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
    return {"creditCode": nodes[0]["creditCode"], "idNumber": flagged[0]}
