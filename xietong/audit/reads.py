"""What a GraphQL request was about and what it read, from its document, its
variables and its answer, however the document is shaped (aliases, fragments,
``@skip``/``@include``, keys not selected).

``asked_keys``: the credit codes, ID numbers and ids given as arguments, in
variables or inside input objects (filters, mutation inputs).
``read_in_answer``: the ``Type.field`` coordinates that came back with a value
(not those under a refused or null parent, not those skipped), and the credit
codes and full ID numbers the answer holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Undefined,
    Visitor,
    get_named_type,
    value_from_ast,
    visit,
)

from xietong.kernel.identifiers import credit_code_error, id_number_error

KEY_SCALARS = frozenset({"CreditCode", "IdNumber"})
ID_SCALAR = "ID"
KEY_FIELDS = frozenset({"creditCode"})
PERSON_FIELDS = frozenset({"idNumber", "teacherIdNumber"})


def asked_keys(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None
) -> set[str]:
    """Credit codes and ID numbers as given, and ids as ``id:<value>``."""
    info = TypeInfo(schema)
    found: set[str] = set()

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            argument = info.get_argument()
            if argument is None:
                return
            value = value_from_ast(node.value, argument.type, dict(variables or {}))
            if value is not Undefined:
                _collect(value, argument.type, found)

    visit(document, TypeInfoVisitor(info, Arguments()))
    return found


def _collect(value: Any, type_: GraphQLInputType, found: set[str]) -> None:
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        _collect(value, type_.of_type, found)
    elif isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            _collect(item, type_.of_type, found)
    elif isinstance(type_, GraphQLScalarType):
        if type_.name in KEY_SCALARS and isinstance(value, str):
            found.add(value)
        elif type_.name == ID_SCALAR:
            found.add(f"id:{value}")
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, Mapping):
        for name, input_field in type_.fields.items():
            key = input_field.out_name or name
            if key in value:
                _collect(value[key], input_field.type, found)


@dataclass(slots=True)
class Reads:
    coordinates: set[str] = field(default_factory=set)
    """``Type.field`` of every field answered with a value."""
    keys: set[str] = field(default_factory=set)
    """Credit codes and full ID numbers in the answer."""


def read_in_answer(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, data: Any
) -> Reads:
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    reads = Reads()
    if root is not None and isinstance(data, dict):
        _walk(schema, fragments, root, operation.selection_set, data, reads)
    return reads


def _walk(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    value: dict[str, Any],
    reads: Reads,
) -> None:
    for type_name, node in _fields(fragments, selection_set, parent.name):
        key = (node.alias or node.name).value
        item = value.get(key)
        if item is None:
            continue
        condition = schema.get_type(type_name)
        if condition is not parent and isinstance(condition, GraphQLObjectType):
            continue  # a fragment on another member of a union
        if node.name.value not in parent.fields:
            continue  # __typename
        reads.coordinates.add(f"{parent.name}.{node.name.value}")
        if isinstance(item, str):
            _note_key(node.name.value, item, reads.keys)
            continue
        target = get_named_type(parent.fields[node.name.value].type)
        if node.selection_set is None:
            continue
        for element in _elements(item):
            concrete = _concrete(schema, target, element, fragments, node.selection_set)
            if concrete is not None:
                _walk(schema, fragments, concrete, node.selection_set, element, reads)


def _fields(
    fragments: Mapping[str, FragmentDefinitionNode],
    selection_set: SelectionSetNode,
    type_name: str,
) -> Iterator[tuple[str, FieldNode]]:
    """The fields of a selection with the type each applies to (fragments flattened)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield type_name, selection
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            yield from _fields(
                fragments, selection.selection_set, condition.name.value if condition else type_name
            )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(
                    fragments, fragment.selection_set, fragment.type_condition.name.value
                )


def _elements(item: Any) -> Iterator[dict[str, Any]]:
    if isinstance(item, dict):
        yield item
    elif isinstance(item, list):
        for element in item:
            yield from _elements(element)


def _concrete(
    schema: GraphQLSchema,
    target: Any,
    element: dict[str, Any],
    fragments: Mapping[str, FragmentDefinitionNode],
    selection_set: SelectionSetNode,
) -> GraphQLObjectType | None:
    """The object type of one value of ``target``: itself, or for a union the member
    whose fragment's fields the value carries (``__typename`` when selected)."""
    if isinstance(target, GraphQLObjectType):
        return target
    typename = element.get("__typename")
    if isinstance(typename, str):
        found = schema.get_type(typename)
        return found if isinstance(found, GraphQLObjectType) else None
    for type_name, node in _fields(fragments, selection_set, ""):
        if type_name and (node.alias or node.name).value in element:
            found = schema.get_type(type_name)
            if isinstance(found, GraphQLObjectType):
                return found
    return None


def _note_key(field_name: str, value: str, keys: set[str]) -> None:
    if field_name in KEY_FIELDS and not credit_code_error(value):
        keys.add(value)
    elif field_name in PERSON_FIELDS and not id_number_error(value):
        keys.add(value)  # a masked number (410202********123X) identifies no one


def coordinate_at(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    path: Sequence[str | int],
) -> str | None:
    """The ``Type.field`` an error's ``path`` ends at (list indices skipped; inside a
    union, the member whose fragment selects the response key)."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    parent: Any = schema.get_root_type(operation.operation)
    selection_set: SelectionSetNode | None = operation.selection_set
    coordinate = None
    for key in path:
        if isinstance(key, int):
            continue
        if selection_set is None or parent is None:
            return None
        match = next(
            (
                (type_name, node)
                for type_name, node in _fields(fragments, selection_set, parent.name)
                if (node.alias or node.name).value == key
            ),
            None,
        )
        if match is None:
            return None
        type_name, node = match
        owner = parent if isinstance(parent, GraphQLObjectType) else schema.get_type(type_name)
        if not isinstance(owner, GraphQLObjectType) or node.name.value not in owner.fields:
            return None
        coordinate = f"{owner.name}.{node.name.value}"
        parent = get_named_type(owner.fields[node.name.value].type)
        selection_set = node.selection_set
    return coordinate
