"""The policy engine on a schema of its own: every field, every role, every effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry

from xietong.auth.masking import mask_id_number, mask_name
from xietong.auth.policy import Effect, Policy, parse_policy
from xietong.auth.principal import Principal
from xietong.auth.schema_policy import Decisions, guarded_coordinates
from xietong.domain.departments import Department
from xietong.kernel.errors import ConfigError
from xietong.kernel.last_used import LastUsed
from xietong.schema.compat import graphql_schema_of
from xietong.schema.root import Coordinates, PolicyExtension, apply_policy

RAW = {"name": "欧阳娜娜", "idNumber": "11010519491231002X", "post": "teacher", "note": "n"}


@strawberry.type
class Worker:
    name: str | None
    id_number: str | None
    post: str | None
    note: str | None


@strawberry.type
class SampleQuery:
    @strawberry.field
    def workers(self) -> list[Worker] | None:
        return [Worker(name=RAW["name"], id_number=RAW["idNumber"], post="teacher", note="n")]

    @strawberry.field
    def hello(self) -> str:
        return "hi"


POLICY = {
    "roles": {"reader": {}, "officer": {}, "auditor": {"purpose_always": True}, "admin": {}},
    "masks": {"Worker.name": "name", "Worker.idNumber": "id_number"},
    "rules": [
        {
            "title": "greeting",
            "fields": ["SampleQuery.hello"],
            "allow": ["*"],
            "purpose_exempt": True,
        },
        {
            "title": "the list",
            "fields": ["SampleQuery.workers"],
            "allow": ["reader", "officer", "auditor"],
        },
        {
            "title": "identity",
            "fields": ["Worker.name", "Worker.idNumber"],
            "allow": ["reader"],
            "mask": ["officer", "auditor"],
            "purpose": True,
        },
        {"title": "post", "fields": ["Worker.*"], "allow": ["reader", "auditor"]},
    ],
}


@dataclass
class Context:
    policy: Policy
    principal: Principal
    purpose: str | None = None
    decisions: Decisions = field(default_factory=Decisions)


def make_schema(document: dict[str, Any] = POLICY) -> tuple[strawberry.Schema, Policy]:
    known: Coordinates = LastUsed(8)
    schema = strawberry.Schema(query=SampleQuery, extensions=[lambda: PolicyExtension(known)])
    return schema, apply_policy(schema, parse_policy(document, source="test"))


def principal(role: str) -> Principal:
    return Principal("c", "c", Department.EDUCATION, (role,), "410200")


async def run(role: str, query: str, purpose: str | None = None) -> Any:
    schema, policy = make_schema()
    return await schema.execute(
        query, context_value=Context(policy, principal(role), purpose=purpose)
    )


def codes_by_path(result: Any) -> dict[tuple[Any, ...], str]:
    return {tuple(e.path): e.extensions["code"] for e in result.errors or []}


ROLES = ["reader", "officer", "auditor", "admin"]
FIELDS = {
    "name": "Worker.name",
    "idNumber": "Worker.idNumber",
    "post": "Worker.post",
    "note": "Worker.note",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("purpose", [None, "case review"])
@pytest.mark.parametrize("name", sorted(FIELDS))
async def test_every_field_for_every_role_has_the_policys_effect(
    role: str, purpose: str | None, name: str
) -> None:
    _, policy = make_schema()
    result = await run(role, f"{{ workers {{ {name} }} }}", purpose)

    list_grant = policy.grant([role], "SampleQuery.workers")
    grant = policy.grant([role], FIELDS[name])
    errors = codes_by_path(result)
    if list_grant.effect is Effect.DENY:
        assert result.data == {"workers": None}
        assert errors == {("workers",): "FORBIDDEN"}
    elif list_grant.purpose_required and not purpose:
        assert errors == {("workers",): "PURPOSE_REQUIRED"}
    elif grant.effect is Effect.DENY:
        assert result.data == {"workers": [{name: None}]}
        assert errors == {("workers", 0, name): "FORBIDDEN"}
    elif grant.purpose_required and not purpose:
        assert result.data == {"workers": [{name: None}]}
        assert errors == {("workers", 0, name): "PURPOSE_REQUIRED"}
    elif grant.effect is Effect.MASK:
        masked = {"name": mask_name, "idNumber": mask_id_number}[name](RAW[name])
        assert result.data == {"workers": [{name: masked}]}
        assert masked != RAW[name]
        assert not errors
    else:
        assert result.data == {"workers": [{name: RAW[name]}]}
        assert not errors


async def test_a_refused_field_does_not_cost_the_rest_of_the_answer() -> None:
    result = await run("officer", "{ hello workers { name post } }", purpose="inspection")

    assert result.data == {"hello": "hi", "workers": [{"name": "欧阳**", "post": None}]}
    assert codes_by_path(result) == {("workers", 0, "post"): "FORBIDDEN"}


async def test_fields_reached_through_fragments_are_decided_too() -> None:
    query = "{ workers { ...W } } fragment W on Worker { post note }"

    result = await run("officer", query)

    assert codes_by_path(result) == {
        ("workers", 0, "post"): "FORBIDDEN",
        ("workers", 0, "note"): "FORBIDDEN",
    }


def test_only_fields_whose_answer_depends_on_the_role_are_guarded() -> None:
    schema, policy = make_schema()

    guarded = guarded_coordinates(policy, graphql_schema_of(schema))

    # hello is plainly allowed to every role: it resolves with no guard at all.
    assert "SampleQuery.hello" not in guarded
    assert {"SampleQuery.workers", "Worker.name", "Worker.post"} <= guarded


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["rules"].pop(), "fields without a policy line: Worker.note, Worker.post"),
        (lambda p: p["rules"][1].update(allow=["nobody"]), "unknown roles ['nobody']"),
        (lambda p: p["rules"][1].update(fields=["Ghost.workers"]), "unknown type 'Ghost'"),
        (lambda p: p["rules"][1].update(fields=["SampleQuery.ghost"]), "has no field 'ghost'"),
        (lambda p: p["masks"].pop("Worker.name"), "masks Worker.name but [masks] does not say"),
        (lambda p: p["rules"][0].update(allow=["reader"]), "SampleQuery.hello may be refused"),
        (lambda p: p["rules"].append(dict(p["rules"][0])), "SampleQuery.hello is in both rule"),
    ],
)
def test_a_policy_that_does_not_fit_the_schema_stops_start_up(change: Any, message: str) -> None:
    document = {
        "roles": dict(POLICY["roles"]),  # type: ignore[call-overload]
        "masks": dict(POLICY["masks"]),  # type: ignore[call-overload]
        "rules": [dict(rule) for rule in POLICY["rules"]],  # type: ignore[attr-defined]
    }
    change(document)

    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_schema(document)


def test_the_shipped_policy_covers_every_field_of_the_hub_schema() -> None:
    from xietong.auth.policy import load_policy
    from xietong.kernel.settings import SHIPPED_POLICY
    from xietong.schema.root import build_schema

    policy = apply_policy(build_schema(), load_policy(SHIPPED_POLICY))

    assert "Query.me" in policy.coordinates


def test_a_purpose_already_required_on_the_way_is_not_asked_again() -> None:
    from xietong.auth.policy import Grant
    from xietong.auth.schema_policy import effective_grants

    schema, policy = make_schema()

    effective = effective_grants(policy, graphql_schema_of(schema))

    # auditors need a purpose for everything, so reaching Worker at all took one.
    assert policy.grant(["auditor"], "Worker.post").purpose_required
    assert effective["Worker.post"]["auditor"] == Grant(Effect.ALLOW)
    assert effective["SampleQuery.workers"]["auditor"].purpose_required


async def test_each_operation_of_one_document_is_decided_for_what_it_selects() -> None:
    """The fields an operation selects are kept per text and operation name: the same
    text's other operation is still decided for its own fields."""
    schema, policy = make_schema()
    document = "query Greet { hello } query Note { workers { note } }"
    context = Context(policy, principal("officer"))
    greeted = await schema.execute(document, context_value=context, operation_name="Greet")
    assert greeted.data == {"hello": "hi"}
    assert not greeted.errors
    for _ in range(2):  # asked again: the kept decision, the same refusal
        context = Context(policy, principal("officer"))
        noted = await schema.execute(document, context_value=context, operation_name="Note")
        assert noted.data == {"workers": [{"note": None}]}
        assert codes_by_path(noted) == {("workers", 0, "note"): "FORBIDDEN"}
