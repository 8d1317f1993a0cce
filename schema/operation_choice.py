"""Which operation of a document runs: GraphQL's ``GetOperation()``, as the spec says."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError, get_operation_ast
from strawberry.extensions import SchemaExtension

from xietong.kernel.errors import ErrorCode


class OperationChoice(SchemaExtension):
    """A document with several operations and no ``operationName`` is a request
    error (strawberry would quietly run the first one)."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        # ``operation_name`` falls back to the first operation's name; what the
        # client actually sent is kept aside.
        given = getattr(execution, "_provided_operation_name", None)
        if document is not None and get_operation_ast(document, given) is None:
            refusal = GraphQLError(
                "the document has several operations: name the one to run in operationName",
                extensions={"code": ErrorCode.BAD_USER_INPUT.value, "argument": "operationName"},
            )
            execution.result = ExecutionResult(data=None, errors=[refusal])
        yield
