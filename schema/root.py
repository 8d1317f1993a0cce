"""The root schema, composed from each domain's query class, bound to the policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLResolveInfo
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from auth.decisions import decide, selected_coordinates
from auth.policy import Policy
from auth.schema_policy import Decisions, bind_policy, install_guards
from schema.audit import AuditQuery
from schema.education import EducationQuery
from schema.hub import HubQuery
from schema.market import MarketQuery
from schema.reviews import ReviewMutation, ReviewQuery
from schema.scalars import SCALAR_MAP, InvalidScalarError
from xietong.errors import CodedError
from xietong.operation import OperationRecorder

DOCUMENT_CACHE_SIZE = 512
"""Distinct documents whose parse and validation are kept (clients reuse a few)."""


@strawberry.type
class Query(HubQuery, EducationQuery, MarketQuery, AuditQuery, ReviewQuery):
    pass


@strawberry.type
class Mutation(ReviewMutation):
    pass


class PolicyExtension(SchemaExtension):
    """Decides the policy once per operation, from the document, before execution."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        principal = getattr(context, "principal", None)
        document = execution.graphql_document
        if principal is not None and document is not None:
            coordinates = selected_coordinates(
                execution.schema._schema, document, execution.operation_name
            )
            context.decisions = decide(
                context.policy, coordinates, principal.roles, purpose=context.purpose is not None
            )
        yield


class HubSchema(strawberry.Schema):
    """Logs only the unexpected errors: a refused field or a bad argument is an
    answer, not an incident (and the access log records it)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            error
            for error in errors
            if error.original_error is not None
            and not isinstance(error.original_error, CodedError | InvalidScalarError)
        ]
        super().process_errors(unexpected, execution_context)


def _decisions_of(info: GraphQLResolveInfo[Any]) -> Decisions:
    decisions: Decisions = info.context.decisions
    return decisions


def build_schema() -> strawberry.Schema:
    """The schema as clients see it (``xietong schema`` prints it)."""
    return HubSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            OperationRecorder,
            # One parse and one validation per distinct document, not per request.
            lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
            lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
            PolicyExtension,
        ],
    )


def apply_policy(schema: strawberry.Schema, policy: Policy) -> Policy:
    """Check ``policy`` against ``schema`` and guard the fields it restricts.

    Returns the policy bound to the schema's fields; a ConfigError says what is wrong.
    """
    bound = bind_policy(policy, schema._schema)
    install_guards(bound, schema._schema, _decisions_of)
    return bound
