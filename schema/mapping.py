"""Strawberry types filled from records by field name, so a field is declared once.

A type's plain fields (no resolver, not private) are read from the record's
attributes of the same name; a field whose type is itself a strawberry type is
mapped from the nested record, in lists and optionals too; list fields are
always lists (masks apply to a list, not a tuple). A private field named
``record`` receives the record itself, for the type's resolvers. What a record
does not hold as such — a computed or renamed field — is given by keyword::

    from_record(FireSafetyRecord, found, acceptance=found.acceptance_on(today))

How to fill each type is decided once, on its first record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from typing import Any, TypeGuard, TypeVar

from strawberry.types import get_object_definition, has_object_definition
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.private import is_private

T = TypeVar("T")
Convert = Callable[[Any], Any]

RECORD_FIELD = "record"
"""A private field of this name holds the source record itself."""


class RecordFieldMissingError(AttributeError):
    """A record lacks an attribute its strawberry type declares: add it to the record,
    or give the field's value to ``from_record`` by keyword."""


Fill = Callable[..., Any]
_fills: dict[object, Fill] = {}


def from_record(type_: type[T], record: object, /, **given: Any) -> T:
    """An instance of ``type_`` with its plain fields read from ``record``, e.g.
    ``from_record(Course, course)``; ``given`` fields are taken as given instead."""
    key: object = (type_, *given) if given else type_
    fill = _fills.get(key)
    if fill is None:
        fill = _fills[key] = _compile(type_, given.keys())
    try:
        instance: T = fill(record, given) if given else fill(record)
    except AttributeError as error:
        raise _missing(type_, [record], given.keys()) or error from None
    return instance


def from_records(type_: type[T], records: Collection[object], /) -> list[T]:
    """``from_record`` of each record, at the cost of a hand-written loop."""
    fill = _fills.get(type_)
    if fill is None:
        fill = _fills[type_] = _compile(type_, ())
    try:
        return [fill(record) for record in records]
    except AttributeError as error:
        raise _missing(type_, records, ()) or error from None


def _compile(type_: type[Any], given: Collection[str]) -> Fill:
    """One function that calls ``type_`` with every field read, as a hand-written mapper
    would: building a dict of the values instead costs three times as much a record."""
    namespace: dict[str, Any] = {"type_": type_}
    arguments: list[str] = []
    for field in _read_fields(type_, given):
        name = field.python_name
        convert = _converter(field.type)
        if convert is None:
            arguments.append(f"{name}=record.{name}")
        else:
            namespace[f"convert_{name}"] = convert
            arguments.append(f"{name}=convert_{name}(record.{name})")
    if RECORD_FIELD not in given and any(
        field.python_name == RECORD_FIELD and is_private(field.type)
        for field in get_object_definition(type_, strict=True).fields
    ):
        arguments.append(f"{RECORD_FIELD}=record")
    parameters = "record, given" if given else "record"
    if given:
        arguments.append("**given")
    source = f"def fill({parameters}):\n    return type_({', '.join(arguments)})\n"
    exec(source, namespace)  # the names are the type's own Python identifiers
    fill: Fill = namespace["fill"]
    return fill


def _read_fields(type_: type[Any], given: Collection[str]) -> list[StrawberryField]:
    """The fields read from the record: neither computed by a resolver, private, nor given."""
    return [
        field
        for field in get_object_definition(type_, strict=True).fields
        if field.base_resolver is None
        and not is_private(field.type)
        and field.python_name not in given
    ]


def _converter(type_: object) -> Convert | None:
    """How a value becomes the field's: None when it is taken as it is."""
    if isinstance(type_, StrawberryOptional):
        inner = _converter(type_.of_type)
        return None if inner is None else partial(_unless_none, inner)
    if isinstance(type_, StrawberryList):
        if _is_mapped(type_.of_type):
            return partial(from_records, type_.of_type)
        inner = _converter(type_.of_type)
        return list if inner is None else partial(_each, inner)
    if _is_mapped(type_):
        return partial(from_record, type_)
    return None


def _is_mapped(type_: object) -> TypeGuard[type[Any]]:
    return isinstance(type_, type) and has_object_definition(type_)


def _unless_none(convert: Convert, value: Any) -> Any:
    return None if value is None else convert(value)


def _each(convert: Convert, values: Any) -> list[Any]:
    return [convert(value) for value in values]


def _missing(
    type_: type[Any], records: Collection[object], given: Collection[str]
) -> RecordFieldMissingError | None:
    """What to say when a fill fails for want of an attribute (None: something else failed)."""
    fields = _read_fields(type_, given)
    for record in records:
        absent = [
            f"{type_.__name__}.{field.python_name}"
            for field in fields
            if not hasattr(record, field.python_name)
        ]
        if absent:
            return RecordFieldMissingError(
                f"{', '.join(absent)}: no attribute of that name on {type(record).__name__}; "
                "add it to the record, or give the value to from_record by keyword"
            )
    return None
