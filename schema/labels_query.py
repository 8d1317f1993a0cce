"""``labels``: the Chinese label and description of every enum value, so a client shows
``整改中`` rather than ``OPEN`` without a table of its own."""

from __future__ import annotations

from enum import Enum

import strawberry

from xietong.kernel.errors import CodedError, ErrorCode
from xietong.schema.enums import REGISTERED
from xietong.schema.labels import term_of


@strawberry.type(description="One value of an enum, as a client shows it.")
class EnumValueLabel:
    code: str = strawberry.field(description="The value as the schema returns it.")
    label: str = strawberry.field(description="Its Chinese label, to show an officer.")
    description: str = strawberry.field(description="What it means, in English.")


@strawberry.type(description="The labels of one enum's values.")
class EnumLabels:
    enum: str = strawberry.field(description="The enum's name in the schema.")
    values: list[EnumValueLabel] = strawberry.field(description="Its values, in schema order.")


def _labels(enum: type[Enum]) -> EnumLabels:
    values = []
    for member in enum:
        term = term_of(member)
        values.append(
            EnumValueLabel(
                code=member.name,
                label=term.label if term else member.name,
                description=term.description if term else "",
            )
        )
    return EnumLabels(enum=enum.__name__, values=values)


@strawberry.type
class LabelsQuery:
    @strawberry.field(
        description="Chinese labels of enum values: of one enum by name, or of every enum."
    )
    def labels(self, enum: str | None = None) -> list[EnumLabels]:
        known = {registered.__name__: registered for registered in REGISTERED}
        if enum is None:
            return [_labels(registered) for registered in REGISTERED]
        if enum not in known:
            raise CodedError(
                ErrorCode.BAD_USER_INPUT,
                f"enum: no enum {enum!r} in the schema (one of {', '.join(sorted(known))})",
                argument="enum",
            )
        return [_labels(known[enum])]
