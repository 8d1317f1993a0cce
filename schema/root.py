"""The root schema, composed from each domain's query class, bound to the policy."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLResolveInfo
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.auth.decisions import decide, selected_coordinates
from xietong.auth.policy import Policy, policy_of_text, read_policy
from xietong.auth.schema_policy import Decisions, bind_policy, install_guards
from xietong.kernel.errors import CodedError
from xietong.kernel.last_used import LastUsed
from xietong.schema.audit import AuditQuery
from xietong.schema.cases import CaseMutation, CaseQuery
from xietong.schema.compat import graphql_schema_of
from xietong.schema.education import EducationQuery
from xietong.schema.execution import HubExecutionContext, lean_resolvers
from xietong.schema.federation import (
    FEDERATION_SCALARS,
    federated_query,
    is_subgraph,
    subgraph_policy,
)
from xietong.schema.funds import FundsMutation, FundsQuery
from xietong.schema.hub import HubQuery
from xietong.schema.labels_query import LabelsQuery
from xietong.schema.limits import QueryLimits
from xietong.schema.limits.extensions import limit_extensions
from xietong.schema.live import LiveSubscription
from xietong.schema.market import MarketQuery
from xietong.schema.operation import OperationRecorder, with_code
from xietong.schema.operation_choice import OperationChoice
from xietong.schema.review_results import ReviewResultsQuery
from xietong.schema.reviews import ReviewMutation, ReviewQuery
from xietong.schema.scalars import SCALAR_MAP, InvalidScalarError
from xietong.schema.statistics import StatisticsQuery
from xietong.schema.tracing import OperationSpan
from xietong.schema.validation import Validated, ValidationByText

DOCUMENT_CACHE_SIZE = 512
"""Distinct documents whose parse and validation are kept (clients reuse a few)."""


@strawberry.type
class Query(
    HubQuery,
    LabelsQuery,
    EducationQuery,
    MarketQuery,
    AuditQuery,
    ReviewQuery,
    ReviewResultsQuery,
    StatisticsQuery,
    FundsQuery,
    CaseQuery,
):
    pass


@strawberry.type
class Mutation(ReviewMutation, FundsMutation, CaseMutation):
    pass


@strawberry.type
class Subscription(LiveSubscription):
    pass


Coordinates = LastUsed[tuple[str, str | None], frozenset[str]]


class PolicyExtension(SchemaExtension):
    """Decides the policy once per operation, from the document, before execution;
    the fields a document selects are worked out once per text and operation
    (``known``, one per schema)."""

    def __init__(self, known: Coordinates) -> None:
        self.known = known

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        principal = getattr(context, "principal", None)
        document = execution.graphql_document
        # An operation refused before execution (too complex, ambiguous) reads nothing.
        if principal is not None and document is not None and execution.result is None:
            schema, name = graphql_schema_of(execution.schema), execution.operation_name
            coordinates = (
                selected_coordinates(schema, document, name)
                if execution.query is None
                else self.known.get(
                    (execution.query, name),
                    lambda: selected_coordinates(schema, document, name),
                )
            )
            context.decisions = decide(
                context.policy, coordinates, principal.roles, purpose=context.purpose is not None
            )
        yield


class HubSchema(strawberry.Schema):
    """Every error it answers with carries a code; it logs only the unexpected
    ones: a refused field or a bad argument is an answer, not an incident (and the
    access log records it)."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # A subscription streams (``stream``: SSE or WebSocket); executed once it
        # would answer null.
        allowed = set(allowed_operation_types or (OperationType.QUERY, OperationType.MUTATION))
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )
        # Errors strawberry reports after the extensions ran (a parse error, an
        # exception from an extension) have not been through the recorder.
        if result.errors:
            result.errors = [with_code(error, query=query) for error in result.errors]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            error
            for error in errors
            if error.original_error is not None
            and not isinstance(
                error.original_error, CodedError | InvalidScalarError | SourceUnavailableError
            )
        ]
        super().process_errors(unexpected, execution_context)


def _decisions_of(info: GraphQLResolveInfo[Any]) -> Decisions:
    decisions: Decisions = info.context.decisions
    return decisions


def build_schema(
    limits: QueryLimits | None = None, *, federation_name: str | None = None
) -> strawberry.Schema:
    """The schema as clients see it (``xietong schema`` prints it), refusing
    documents over ``limits`` (the defaults when not given) before execution;
    with ``federation_name``, also an Apollo Federation 2 subgraph (schema.federation)."""
    validated: Validated = LastUsed(DOCUMENT_CACHE_SIZE)
    coordinates: Coordinates = LastUsed(DOCUMENT_CACHE_SIZE)
    schema = HubSchema(
        query=federated_query(Query, federation_name) if federation_name else Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=HubExecutionContext,
        config=StrawberryConfig(
            scalar_map={**SCALAR_MAP, **FEDERATION_SCALARS} if federation_name else SCALAR_MAP
        ),
        extensions=[
            OperationSpan,
            OperationRecorder,
            OperationChoice,
            *limit_extensions(limits or QueryLimits()),
            # One parse and one validation per distinct document, not per request.
            lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
            lambda: ValidationByText(validated),
            lambda: PolicyExtension(coordinates),
        ],
    )
    # Lean resolvers skip strawberry's exception handlers: the hub's schema has none.
    assert not schema.exception_handlers, "lean resolvers would bypass them"
    lean_resolvers(graphql_schema_of(schema), schema.config.info_class)
    return schema


def guarded_schema(
    limits: QueryLimits, federation_name: str | None, policy_file: Path
) -> tuple[strawberry.Schema, Policy]:
    """``build_schema`` with ``policy_file``'s policy applied, and the policy bound.

    Built once per process for the same limits, federation name and policy text (a
    fifth of a second each time otherwise): a guarded schema holds nothing of one
    app or hub, which reach the resolvers through each request's context. A changed
    policy file is a new text, so a new schema.
    """
    return _guarded_schema(limits, federation_name, policy_file, read_policy(policy_file))


@functools.lru_cache(maxsize=8)
def _guarded_schema(
    limits: QueryLimits, federation_name: str | None, policy_file: Path, text: bytes
) -> tuple[strawberry.Schema, Policy]:
    schema = build_schema(limits, federation_name=federation_name)
    return schema, apply_policy(schema, policy_of_text(text, policy_file))


def apply_policy(schema: strawberry.Schema, policy: Policy) -> Policy:
    """Check ``policy`` against ``schema`` and guard the fields it restricts.

    Returns the policy bound to the schema's fields; a ConfigError says what is wrong.
    """
    graphql_schema = graphql_schema_of(schema)
    if is_subgraph(graphql_schema):
        policy = subgraph_policy(policy, graphql_schema)
    bound = bind_policy(policy, graphql_schema)
    install_guards(bound, graphql_schema, _decisions_of)
    return bound
