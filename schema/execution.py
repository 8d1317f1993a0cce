"""Executing an operation with less work per plain field.

A page of 100 joint records is some ten thousand fields, and most of them are
*plain*: an attribute of the record read as it is (strawberry's "basic field": no
resolver, no field extension) whose type is a scalar or an enum; the policy's guard
on such a field masks as it would, and a refusal is left to the guard itself.
graphql-core gives each of those what a resolver needs (a resolve info, an argument
dict, a path, a try block, two awaitable checks) before it reads the attribute.
``HubExecutionContext`` reads and serializes them in one step instead, and hands
every other field, every refused one, and every plain field whose value is unusual
(null where the schema says non-null, a value the scalar refuses, an exception) to
graphql-core unchanged, which then answers with the error it always did. The answer is the same
value for value; only the cost differs. A list of objects whose selected fields are
all plain (a page's courses, an inspection's notices, lists of such lists too) is
answered in one loop the same way.

Fields with a resolver that takes only ``self`` and ``info`` are called by a lean
resolver (``lean_resolvers``) instead of strawberry's general wrapper, which would
convert arguments, chain field extensions and match exception handlers they do not
have.

It overrides two methods of graphql-core 3.3's executor (the version strawberry
requires): ``tests/schema/test_execution.py`` compares its answers and errors with
strawberry's own executor, so a change there shows as a failing test.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from xietong.auth.schema_policy import Decisions, Resolver, apply_mask, guard_of

_STRAWBERRY_FIELD = "strawberry-definition"
_UNUSUAL = object()
"""A plain field's value that the fast path leaves to graphql-core."""

Complete = Callable[[Any], Any]
"""A plain field's value → its answer, or ``_UNUSUAL``."""


class _PlainField:
    """How to read and serialize one plain field; ``guarded``: the coordinate of a
    field the policy guards (see ``HubExecutionContext._guarded``)."""

    __slots__ = ("complete", "guarded", "read")

    def __init__(self, read: Callable[[Any], Any], complete: Complete, guarded: str | None) -> None:
        self.read = read
        self.complete = complete
        self.guarded = guarded


def _leaf(type_: GraphQLScalarType | GraphQLEnumType, *, nullable: bool) -> Complete:
    coerce = type_.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None:
            return None if nullable else _UNUSUAL
        if isinstance(value, Exception):
            return _UNUSUAL
        coerced = coerce(value)  # raising: HubExecutionContext._plain leaves it
        return _UNUSUAL if coerced is None or coerced is Undefined else coerced

    return complete


def _leaf_list(item: Complete, *, nullable: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return None if nullable else _UNUSUAL
        if type(value) is not list and type(value) is not tuple:
            return _UNUSUAL
        completed = [item(element) for element in value]
        return _UNUSUAL if any(entry is _UNUSUAL for entry in completed) else completed

    return complete


def _completion(type_: GraphQLOutputType) -> Complete | None:
    """Scalars, enums and lists of them, as graphql-core's ``complete_value`` does
    them for values that are not unusual; None for any other type."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        return _leaf(inner, nullable=nullable)
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        item_nullable = not isinstance(item_type, GraphQLNonNull)
        item_inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if isinstance(item_inner, GraphQLScalarType | GraphQLEnumType):
            return _leaf_list(_leaf(item_inner, nullable=item_nullable), nullable=nullable)
    return None


def _attribute(field: GraphQLField, resolve: Any) -> StrawberryField | None:
    """The field's strawberry definition if ``resolve`` is strawberry's own attribute
    reader for it (no resolver, no extension) and it takes no arguments."""
    definition = (field.extensions or {}).get(_STRAWBERRY_FIELD)
    if (
        not isinstance(definition, StrawberryField)
        or not getattr(resolve, "_is_default", False)
        or not definition.is_basic_field
        or definition.default_resolver is not getattr
        or field.args
        or field.subscribe is not None
    ):
        return None
    return definition


def _plain_field(field: GraphQLField) -> _PlainField | None:
    """The field's plan, if it is plain: strawberry's own attribute reader (perhaps
    inside a policy guard), no arguments, a scalar or enum type."""
    guard = guard_of(field.resolve)
    guarded, resolve = guard if guard is not None else (None, field.resolve)
    definition = _attribute(field, resolve)
    complete = None if definition is None else _completion(field.type)
    if definition is None or complete is None:
        return None
    return _PlainField(operator.attrgetter(definition.python_name), complete, guarded)


class _ObjectListField:
    """How to read a plain list of objects (an inspection's notices): strawberry's own
    attribute reader, no arguments, not guarded by the policy, a list of an object type."""

    __slots__ = ("item_type", "nullable", "read")

    def __init__(
        self, read: Callable[[Any], Any], item_type: GraphQLObjectType, *, nullable: bool
    ) -> None:
        self.read = read
        self.item_type = item_type
        self.nullable = nullable


class _ListSelection:
    """A plain list of objects as selected: how to read it, and the selection on each."""

    __slots__ = ("field", "selection")

    def __init__(self, field: _ObjectListField, selection: _Selection) -> None:
        self.field = field
        self.selection = selection


_Selection = list[tuple[str, "_PlainField | _ListSelection"]]
"""Each selected field's response name and how to answer it."""


def _object_list_field(field: GraphQLField) -> _ObjectListField | None:
    definition = _attribute(field, field.resolve)  # a guarded field's resolver is the guard
    if definition is None:
        return None
    type_ = field.type
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(inner, GraphQLList):
        return None
    item = inner.of_type
    if not isinstance(item, GraphQLNonNull) or not isinstance(item.of_type, GraphQLObjectType):
        return None  # a null item is graphql-core's to complete
    return _ObjectListField(
        operator.attrgetter(definition.python_name), item.of_type, nullable=nullable
    )


P = TypeVar("P")
_PLAIN = "xietong.plain_fields"
_LISTS = "xietong.object_list_fields"


def plain_fields(type_: GraphQLObjectType) -> dict[str, _PlainField]:
    """The type's plain fields by name, worked out on first use (after the policy's
    guards are installed, which is before the first operation)."""
    return _planned(_PLAIN, type_, _plain_field)


def object_list_fields(type_: GraphQLObjectType) -> dict[str, _ObjectListField]:
    """The type's plain lists of objects by name, worked out on first use."""
    return _planned(_LISTS, type_, _object_list_field)


def _planned(
    key: str, type_: GraphQLObjectType, plan_of: Callable[[GraphQLField], P | None]
) -> dict[str, P]:
    """The plans of the type's fields, kept in its ``extensions`` (graphql-core's
    place for what others attach to a type, where strawberry keeps its definition):
    asked for every object of an answer, a weak dictionary's lookup was a twentieth
    of a page's CPU."""
    found: dict[str, P] | None = type_.extensions.get(key)
    if found is None:
        found = type_.extensions[key] = {
            name: plan
            for name, field in type_.fields.items()
            if (plan := plan_of(field)) is not None
        }
    return found


def lean_resolvers(schema: GraphQLSchema, info_class: type[Info[Any, Any]]) -> int:
    """Call simple resolvers without strawberry's general wrapper; returns how many.

    A field with a resolver that takes nothing but ``self`` and ``info`` (no
    arguments, field extensions, permission classes or exception handlers) needs none
    of what the wrapper does for each call (converting arguments, chaining
    extensions, matching handlers): the lean resolver builds the same ``Info`` and
    calls the function, whose value or awaitable graphql-core completes as before.
    Run before the policy's guards wrap the resolvers (``schema.root``).
    """
    replaced = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            definition = (field.extensions or {}).get(_STRAWBERRY_FIELD)
            if not isinstance(definition, StrawberryField) or field.args or field.subscribe:
                continue
            lean = _lean(definition, info_class)
            if lean is not None:
                field.resolve = lean
                replaced += 1
    return replaced


def _lean(definition: StrawberryField, info_class: type[Info[Any, Any]]) -> Resolver | None:
    resolver = definition.base_resolver
    if (
        resolver is None
        or definition.extensions
        or definition.permission_classes
        or definition.is_subscription
        or resolver.arguments
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or not callable(resolver.wrapped_func)  # a static or class method not yet bound
    ):
        return None
    function: Callable[..., Any] = resolver.wrapped_func
    takes_self = resolver.self_parameter is not None
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None

    def lean(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        arguments = (source,) if takes_self else ()
        if info_name is None:
            return function(*arguments)
        return function(*arguments, **{info_name: info_class(_raw_info=info, _field=definition)})

    return lean


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution, with plain fields read and serialized in one step."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plans = plain_fields(parent_type)
        middleware = self.middleware_manager
        if not plans or (middleware is not None and middleware.middlewares):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # graphql-core's loop (Executor.execute_fields), with the plain fields done inline.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                plan = plans.get(node.name.value)
                if plan is not None and not node.arguments and not node.directives:
                    completed = self._plain(plan, source_value)
                    if completed is not _UNUSUAL:
                        results[response_name] = completed
                        continue
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, field_details_list, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._awaited(results, awaitable_fields)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        if position_context is None:
            answers = self._plain_objects(return_type.of_type, field_details_list, result)
            if answers is not _UNUSUAL:
                return answers  # type: ignore[no-any-return]
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_objects(
        self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, items: Any
    ) -> Any:
        """A list of objects whose every selected field is plain (a course's name,
        subject and price, say), or a list of such objects itself (an inspection's
        notices), answered in one loop, or ``_UNUSUAL`` for graphql-core to complete
        item by item (an item null or unusual, a fragment deferred, a list streamed, a
        field with a resolver)."""
        if type(items) is not list and type(items) is not tuple:
            return _UNUSUAL
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(object_type, GraphQLObjectType):
            return _UNUSUAL
        selection = self._selection(object_type, field_details_list)
        return _UNUSUAL if selection is None else self._answers(selection, items)

    def _selection(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Selection | None:
        """How to answer ``field_details_list``'s selection on ``object_type`` in one
        loop; None when some field needs graphql-core. Worked out once per selection
        and operation (the lists of a page share it)."""
        key = (object_type, id(field_details_list))
        known = self._selections.get(key)
        if known is None:
            known = self._selections[key] = (
                field_details_list,
                self._work_out_selection(object_type, field_details_list),
            )
        return known[1]

    @functools.cached_property
    def _selections(
        self,
    ) -> dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, _Selection | None]]:
        # As graphql-core's ``collect_subfields`` memo: keyed by the list's identity,
        # kept alive beside its answer so that the identity is not reused.
        return {}

    def _work_out_selection(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Selection | None:
        if object_type.is_type_of is not None:
            return None
        if any(details.node.directives for details in field_details_list):
            return None
        collected = self.collect_subfields(object_type, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        plans = plain_fields(object_type)
        lists = object_list_fields(object_type)
        selection: _Selection = []
        for response_name, details in collected.grouped_field_set.items():
            node = details[0].node
            if node.arguments or node.directives:
                return None
            plan = plans.get(node.name.value)
            if plan is not None:
                selection.append((response_name, plan))
                continue
            objects = lists.get(node.name.value)
            inner = None if objects is None else self._selection(objects.item_type, details)
            if objects is None or inner is None:
                return None
            selection.append((response_name, _ListSelection(objects, inner)))
        return selection

    def _answers(self, selection: _Selection, items: list[Any] | tuple[Any, ...]) -> Any:
        answers: list[dict[str, Any]] = []
        for item in items:
            if item is None or isinstance(item, Exception):
                return _UNUSUAL
            answer: dict[str, Any] = {}
            for response_name, how in selection:
                if isinstance(how, _PlainField):
                    value = self._plain(how, item)
                else:
                    value = self._objects(how, item)
                if value is _UNUSUAL:
                    return _UNUSUAL
                answer[response_name] = value
            answers.append(answer)
        return answers

    def _objects(self, how: _ListSelection, source: Any) -> Any:
        """A plain list of objects' answer, or ``_UNUSUAL``."""
        plan = how.field
        try:
            value = plan.read(source)
        except Exception:  # graphql-core meets it again, and answers with its field error
            return _UNUSUAL
        if value is None:
            return None if plan.nullable else _UNUSUAL
        if type(value) is not list and type(value) is not tuple:
            return _UNUSUAL
        return self._answers(how.selection, value)

    def _plain(self, plan: _PlainField, source: Any) -> Any:
        """The plain field's answer, or ``_UNUSUAL`` for graphql-core to work out."""
        try:
            value = plan.read(source)
            if plan.guarded is not None:
                # What the guard does (auth.schema_policy), with the decisions it
                # reads (schema.root): a refusal is left to the guard to raise.
                decisions: Decisions = self.context_value.decisions
                if plan.guarded in decisions.refused:
                    return _UNUSUAL
                mask = decisions.masked.get(plan.guarded)
                if mask is not None:
                    value = apply_mask(value, mask)
            return plan.complete(value)
        except Exception:  # graphql-core meets it again, and answers with its field error
            return _UNUSUAL

    async def _awaited(self, results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        # As graphql-core's ``get_results``: one awaited alone, several together.
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
            return results
        awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
        return results
