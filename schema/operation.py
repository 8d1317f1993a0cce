"""What happens around every GraphQL operation: every error gets a code, and the
access-log event learns what was asked and what was answered."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    Node,
    OperationDefinitionNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from xietong.audit.events import AuditDraft, draft_of
from xietong.audit.reads import Reads, asked_keys, coordinate_at, read_in_answer
from xietong.audit.recorder import (
    Pseudonym,
    logged_variables,
    operation_of,
    outcome,
    tagged_record_keys,
)
from xietong.kernel.canonical import sha256_hex
from xietong.kernel.errors import ErrorCode, new_correlation_id
from xietong.schema.compat import graphql_schema_of
from xietong.schema.limits.errors import parse_limit_error
from xietong.schema.scalars import InvalidScalarError
from xietong.schema.source_failures import report_source_failures, root_cause

log = logging.getLogger("xietong.graphql")


class OperationRecorder(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        try:
            yield
        except GraphQLError as error:
            # The parser cache parses as the parse step begins, so a syntax error
            # leaves through here; strawberry reports it after the operation (and
            # HubSchema.execute codes it there again, the same way).
            self._record([with_code(error, None, execution.query)], None)
            raise
        result = execution.result
        errors = report_source_failures(
            [
                with_code(error, execution.graphql_document, execution.query)
                for error in (getattr(result, "errors", None) or [])
            ]
        )
        if result is not None and errors:
            result.errors = errors
        self._record(errors, getattr(result, "data", None))

    def on_execute(self) -> Iterator[None]:
        # A write logs its change in the change's own transaction, while the
        # operation runs: the event must already say which operation it is.
        draft = self._draft()
        if draft is not None:
            self._asked = self._known_before_execution(draft)
            pseudonym = _pseudonym_of(self.execution_context.context)
            draft.record_keys = tagged_record_keys(self._asked, set(), pseudonym)
        yield

    def _draft(self) -> AuditDraft | None:
        request = getattr(self.execution_context.context, "request", None)
        return draft_of(request.scope) if request is not None else None

    def _known_before_execution(self, draft: AuditDraft) -> set[str]:
        """Fill in the operation, its document and variables; the keys it asks for."""
        execution = self.execution_context
        document = execution.graphql_document
        draft.document_hash = draft.trusted_document_id or (
            sha256_hex(execution.query) if execution.query else None
        )
        pseudonym = _pseudonym_of(execution.context)
        draft.variables = logged_variables(document, execution.variables or {}, pseudonym)
        operation = operation_of(document, execution.operation_name)
        draft.operation_type = operation.operation.value if operation else None
        draft.operation_name = execution.operation_name or (
            operation.name.value if operation and operation.name else None
        )
        if document is None or operation is None:
            return set()
        return asked_keys(
            graphql_schema_of(execution.schema),
            document,
            execution.variables,
            cache_key=execution.query,
        )

    def _record(self, errors: list[GraphQLError], data: Any) -> None:
        execution = self.execution_context
        document = execution.graphql_document
        draft = self._draft()
        if draft is None:
            return
        asked: set[str] | None = getattr(self, "_asked", None)
        if asked is None:  # the operation failed before execution
            asked = self._known_before_execution(draft)
        pseudonym = _pseudonym_of(execution.context)
        operation = operation_of(document, execution.operation_name)
        schema = graphql_schema_of(execution.schema)
        reads = Reads()
        if document is not None and operation is not None:
            query = execution.query
            reads = read_in_answer(
                schema,
                document,
                operation,
                data,
                cache_key=f"{execution.operation_name}\n{query}" if query else None,
            )
        decisions = getattr(execution.context, "decisions", None)
        if decisions is not None:
            touched = reads.coordinates | decisions.tested
            draft.fields_read = sorted(touched & decisions.read)
            draft.fields_masked = sorted(touched & decisions.masked.keys())
            draft.fields_denied = sorted(
                set(decisions.refused) | _out_of_scope(schema, document, operation, errors)
            )
        draft.record_keys = tagged_record_keys(asked, reads.keys | draft.returned_keys, pseudonym)
        draft.error_codes = sorted({str(e.extensions.get("code")) for e in errors if e.extensions})
        draft.outcome = outcome(data, errors)


def _pseudonym_of(context: object) -> Pseudonym:
    hub = getattr(context, "hub", None)
    pseudonyms = getattr(hub, "pseudonyms", None)
    if pseudonyms is None:  # no hub: a schema run on its own (tests, `xietong schema`)
        return lambda value: "sha256:" + sha256_hex(value)
    of: Pseudonym = pseudonyms.of
    return of


def _out_of_scope(
    schema: GraphQLSchema,
    document: DocumentNode | None,
    operation: OperationDefinitionNode | None,
    errors: list[GraphQLError],
) -> set[str]:
    """The fields an OUT_OF_SCOPE refusal stood in for."""
    if document is None or operation is None:
        return set()
    return {
        coordinate
        for error in errors
        if (error.extensions or {}).get("code") == ErrorCode.OUT_OF_SCOPE.value and error.path
        if (coordinate := coordinate_at(schema, document, operation, error.path)) is not None
    }


def with_code(
    error: GraphQLError, document: DocumentNode | None = None, query: str | None = None
) -> GraphQLError:
    """Give every error a code (DESIGN §10); unexpected ones are masked as INTERNAL."""
    original = root_cause(error)
    if "code" in (error.extensions or {}):
        return error
    syntax = error if isinstance(error, GraphQLSyntaxError) else original
    if isinstance(syntax, GraphQLSyntaxError):
        return parse_limit_error(syntax, query) or _recoded(error, ErrorCode.GRAPHQL_PARSE_FAILED)
    node = error.nodes[0] if error.nodes else None
    if isinstance(original, InvalidScalarError) or isinstance(node, VariableDefinitionNode):
        return _bad_input(error, document, original)
    if original is None or isinstance(original, GraphQLError):
        return _recoded(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)
    correlation_id = new_correlation_id()
    log.error(
        "unexpected error %s at %s",
        correlation_id,
        error.path,
        exc_info=original,
        extra={"correlation_id": correlation_id},
    )
    return GraphQLError(
        f"internal error (correlation id {correlation_id})",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL.value, "correlationId": correlation_id},
    )


def _bad_input(
    error: GraphQLError, document: DocumentNode | None, cause: Exception | None
) -> GraphQLError:
    """BAD_USER_INPUT naming the argument the bad value was given for."""
    names = _arguments_given(document, error.nodes[0]) if document and error.nodes else []
    reason = str(cause) if isinstance(cause, InvalidScalarError) else error.message
    if names:
        reason = f"argument {', '.join(names)}: {reason}"
    return GraphQLError(
        reason,
        nodes=error.nodes,
        path=error.path,
        original_error=cause if isinstance(cause, InvalidScalarError) else None,
        extensions={
            "code": ErrorCode.BAD_USER_INPUT.value,
            **({"argument": names[0]} if names else {}),
        },
    )


def _arguments_given(document: DocumentNode, node: Node) -> list[str]:
    """Arguments whose value is ``node``, or is the variable ``node`` defines."""
    variable = node.variable.name.value if isinstance(node, VariableDefinitionNode) else None
    found: list[str] = []

    class Finder(Visitor):
        def enter_argument(self, argument: ArgumentNode, *_args: object) -> None:
            value = argument.value
            if value is node or (
                variable is not None
                and isinstance(value, VariableNode)
                and value.name.value == variable
            ):
                found.append(argument.name.value)

    visit(document, Finder())
    return sorted(set(found))


def _recoded(error: GraphQLError, code: ErrorCode) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code.value}
    return error
