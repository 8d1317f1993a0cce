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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

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

from xietong.kernel.documents import fragments_of
from xietong.kernel.last_used import LastUsed

T = TypeVar("T")

KEY_SCALARS = frozenset({"CreditCode", "IdNumber"})
ID_SCALAR = "ID"
REPRESENTATION_SCALAR = "_Any"
"""A federation gateway's entity representation, ``{"__typename", "creditCode"}``:
its key is asked like an argument's (``_entities``, schema.federation)."""
REPRESENTATION_KEYS = ("creditCode", "idNumber")
KEY_FIELDS = frozenset({"creditCode"})
PERSON_FIELDS = frozenset({"idNumber", "teacherIdNumber"})


def asked_keys(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    *,
    cache_key: str | None = None,
) -> set[str]:
    """Credit codes and ID numbers as given, and ids as ``id:<value>``.

    Which arguments can carry them depends on the document alone: found once per
    ``cache_key`` (the query text), then only those arguments' values are read.
    """
    slots = _cached(("slots", id(schema), cache_key), lambda: _key_slots(schema, document))
    found: set[str] = set()
    given = dict(variables or {})
    for node, type_ in slots:
        value = value_from_ast(node.value, type_, given)
        if value is not Undefined:
            _collect(value, type_, found)
    return found


def _key_slots(
    schema: GraphQLSchema, document: DocumentNode
) -> list[tuple[ArgumentNode, GraphQLInputType]]:
    info = TypeInfo(schema)
    slots: list[tuple[ArgumentNode, GraphQLInputType]] = []

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            argument = info.get_argument()
            if argument is not None and _may_hold_keys(argument.type, set()):
                slots.append((node, argument.type))

    visit(document, TypeInfoVisitor(info, Arguments()))
    return slots


def _may_hold_keys(type_: Any, seen: set[str]) -> bool:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType):
        return named.name in KEY_SCALARS or named.name in {ID_SCALAR, REPRESENTATION_SCALAR}
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        seen.add(named.name)
        return any(_may_hold_keys(f.type, seen) for f in named.fields.values())
    return False


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
        elif type_.name == REPRESENTATION_SCALAR and isinstance(value, Mapping):
            found.update(
                value[key] for key in REPRESENTATION_KEYS if isinstance(value.get(key), str)
            )
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
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    data: Any,
    *,
    cache_key: str | None = None,
) -> Reads:
    """The walk is planned once per ``cache_key`` (query text and operation): the
    answer of a page of a hundred joint records is then read with dict lookups."""
    reads = Reads()
    root = schema.get_root_type(operation.operation)
    if root is None or not isinstance(data, dict):
        return reads
    plan = _cached(
        ("plan", id(schema), cache_key),
        lambda: _plan(schema, fragments_of(document), root, operation.selection_set),
    )
    _walk(plan, [data], reads)
    return reads


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    """The response key (the alias, if any)."""
    coordinate: str
    note: int
    """``_CODE`` or ``_PERSON`` if its string values are keys to note, else 0."""
    child: _Selection | None


@dataclass(frozen=True, slots=True)
class _Selection:
    by_type: Mapping[str, tuple[_Field, ...]]
    """The fields that apply, per object type the value may have (one for an object
    type; each member for a union or interface)."""
    markers: tuple[tuple[str, str], ...] = ()
    """For a union: (response key, member) pairs that tell the member of a value
    that did not select ``__typename``."""


_CODE, _PERSON = 1, 2


def _plan(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    parent: Any,
    selection_set: SelectionSetNode,
) -> _Selection:
    members = (
        [parent] if isinstance(parent, GraphQLObjectType) else schema.get_possible_types(parent)
    )
    by_type: dict[str, tuple[_Field, ...]] = {}
    markers: list[tuple[str, str]] = []
    for member in members:
        fields = []
        for type_name, node in _fields(fragments, selection_set, parent.name):
            condition = schema.get_type(type_name)
            if condition is not member and isinstance(condition, GraphQLObjectType):
                continue  # a fragment on another member
            name = node.name.value
            if name not in member.fields:
                continue  # __typename
            key = (node.alias or node.name).value
            if condition is member and member is not parent:
                markers.append((key, member.name))
            target = get_named_type(member.fields[name].type)
            child = (
                _plan(schema, fragments, target, node.selection_set)
                if node.selection_set is not None
                else None
            )
            note = _CODE if name in KEY_FIELDS else _PERSON if name in PERSON_FIELDS else 0
            fields.append(_Field(key, f"{member.name}.{name}", note, child))
        by_type[member.name] = tuple(fields)
    return _Selection(by_type, tuple(markers))


def _walk(selection: _Selection, values: list[dict[str, Any]], reads: Reads) -> None:
    """Field by field over every value of one level (a page's hundred records at
    once): a plain field needs only its first value that is not null."""
    if len(selection.by_type) == 1:
        _walk_fields(next(iter(selection.by_type.values())), values, reads)
        return
    groups: dict[int, tuple[tuple[_Field, ...], list[dict[str, Any]]]] = {}
    for value in values:
        fields = _applying(selection, value)
        groups.setdefault(id(fields), (fields, []))[1].append(value)
    for fields, members in groups.values():
        _walk_fields(fields, members, reads)


def _walk_fields(fields: tuple[_Field, ...], values: list[dict[str, Any]], reads: Reads) -> None:
    for field_ in fields:
        key = field_.key
        if field_.child is None and not field_.note:
            if any(value.get(key) is not None for value in values):
                reads.coordinates.add(field_.coordinate)
            continue
        items = [item for value in values if (item := value.get(key)) is not None]
        if not items:
            continue
        reads.coordinates.add(field_.coordinate)
        if field_.child is not None:
            _walk(field_.child, [element for item in items for element in _elements(item)], reads)
        else:
            # The schema's scalars validated these on the way out; a masked ID number
            # (410202********123X) identifies no one and is left out.
            reads.keys.update(
                item for item in items if type(item) is str and len(item) == 18 and "*" not in item
            )


def _applying(selection: _Selection, value: dict[str, Any]) -> tuple[_Field, ...]:
    if len(selection.by_type) == 1:
        return next(iter(selection.by_type.values()))
    typename = value.get("__typename")
    if isinstance(typename, str):
        return selection.by_type.get(typename, ())
    for key, member in selection.markers:
        if key in value:
            return selection.by_type[member]
    return ()


_PLANS: LastUsed[tuple[str, int, str], Any] = LastUsed(512)
"""Plans and slots depend on the schema and the document alone; documents are few
(partners ask the same questions), so the last 512 are kept."""


def _cached(key: tuple[str, int, str | None], make: Callable[[], T]) -> T:
    """``make()``'s value, kept for the document ``key`` names (None: not kept)."""
    kind, schema, text = key
    if text is None:
        return make()
    found: T = _PLANS.get((kind, schema, text), make)
    return found


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


def coordinate_at(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    path: Sequence[str | int],
) -> str | None:
    """The ``Type.field`` an error's ``path`` ends at (list indices skipped; inside a
    union, the member whose fragment selects the response key)."""
    fragments = fragments_of(document)
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
