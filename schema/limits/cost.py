"""The cost estimate: how many values an operation could make the hub produce.

Every field costs one value each time it is resolved, and a list multiplies what
hangs below it by its size: a connection's ``first`` (the variable's value when it
is a variable), or ``DEFAULT_LIST_SIZE`` for lists without one (an institution's
staff, courses, inspections...). Checked before execution, with the variables at
hand, so a refused operation asks no department anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_output_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from xietong.kernel.last_used import LastUsed
from xietong.schema.compat import graphql_schema_of
from xietong.schema.limits.errors import too_complex
from xietong.schema.pagination import MAX_PAGE

DEFAULT_LIST_SIZE = 10
"""Assumed length of a list that takes no ``first``."""


class CostEstimates:
    """Estimates already made: one walk per distinct query, not per request.

    An estimate depends on the document, the operation and the integer variables
    (``first`` is the only value it reads, and anything but an integer counts as
    the argument's default), so that is the key.
    """

    def __init__(self, maxsize: int = 512) -> None:
        self._known: LastUsed[Hashable, int] = LastUsed(maxsize)

    def cost(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> int:
        if query is None:
            return operation_cost(schema, document, operation, variables)
        integers = sorted((name, v) for name, v in variables.items() if isinstance(v, int))
        digest = hashlib.blake2b(query.encode(), digest_size=16).digest()  # not the text
        key = (digest, operation.name.value if operation.name else None, tuple(integers))
        return self._known.get(key, lambda: operation_cost(schema, document, operation, variables))


class CostLimiter(SchemaExtension):
    """Refuses, before execution, an operation whose estimate is over ``maximum``."""

    def __init__(self, *, maximum: int, estimates: CostEstimates | None = None) -> None:
        self.maximum = maximum
        self.estimates = estimates or CostEstimates()

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document else None
        if document is not None and operation is not None:
            cost = self.estimates.cost(
                graphql_schema_of(execution.schema),
                execution.query,
                document,
                operation,
                execution.variables or {},
            )
            if cost > self.maximum:
                refusal = too_complex("cost", cost, self.maximum, nodes=[operation])
                execution.result = ExecutionResult(data=None, errors=[refusal])
        yield


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> int:
    """The estimate for ``operation`` of ``document`` (already validated)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return _Estimate(schema, fragments, {**defaults, **variables}).cost(
        operation.selection_set, root, page=None
    )


@dataclass
class _Estimate:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    _fragment_costs: dict[tuple[str, str, int | None], int] = field(default_factory=dict)

    def cost(
        self, selection_set: SelectionSetNode, parent: GraphQLOutputType, *, page: int | None
    ) -> int:
        """Values produced by ``selection_set`` once; ``page`` is the enclosing
        connection's ``first``, the length of its ``edges``."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self._type(condition.name.value, parent) if condition else parent
                total += self.cost(selection.selection_set, target, page=page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value, parent, page)
        return total

    def _field(self, node: FieldNode, parent: GraphQLOutputType, page: int | None) -> int:
        definition = _field_of(parent, node.name.value)
        if definition is None or node.name.value.startswith("__"):
            return 1  # introspection: bounded by the schema, not by the data
        first = self._first(node, definition)
        size, listed, field_type = 1, False, definition.type
        while isinstance(field_type, GraphQLNonNull | GraphQLList):
            if isinstance(field_type, GraphQLList):
                size *= _list_length(first, page)
                listed, page = True, None
            field_type = field_type.of_type
        if node.selection_set is None:
            return size
        named = self._type(get_named_type(definition.type).name, parent)
        # A connection's ``first`` is the length of the list below it (its edges).
        below = self.cost(node.selection_set, named, page=None if listed else first)
        return size * (1 + below)

    def _fragment(self, name: str, parent: GraphQLOutputType, page: int | None) -> int:
        fragment = self.fragments.get(name)
        if fragment is None:
            return 0
        key = (name, str(parent), page)
        if key not in self._fragment_costs:
            target = self._type(fragment.type_condition.name.value, parent)
            self._fragment_costs[key] = 0  # a cycle (refused by validation) adds nothing
            self._fragment_costs[key] = self.cost(fragment.selection_set, target, page=page)
        return self._fragment_costs[key]

    def _type(self, name: str, fallback: GraphQLOutputType) -> GraphQLOutputType:
        found = self.schema.get_type(name)
        return found if is_output_type(found) else fallback

    def _first(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The page size asked for, if the field takes ``first``."""
        if "first" not in definition.args:
            return None
        value: Any = definition.args["first"].default_value
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value, value)
        if not isinstance(value, int) or isinstance(value, bool):
            value = definition.args["first"].default_value
        if not isinstance(value, int):
            return MAX_PAGE
        # Out-of-range values are refused by the resolver itself, or capped there.
        return max(0, min(value, MAX_PAGE))


def _list_length(first: int | None, page: int | None) -> int:
    if first is not None:
        return first
    return page if page is not None else DEFAULT_LIST_SIZE


def _field_of(parent: GraphQLOutputType, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None
