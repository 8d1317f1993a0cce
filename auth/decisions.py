"""Deciding the policy once per operation, from the document alone.

Every field the operation selects (fragments included) is looked up once for the
principal's roles; the result drives the guards while resolving and tells the
access log which fields were read, masked and refused.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)

from xietong.auth.policy import Effect, Policy
from xietong.auth.schema_policy import Decisions, Refusal
from xietong.kernel.errors import ErrorCode


class _FieldCollector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.coordinates: set[str] = set()

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        parent = self.type_info.get_parent_type()
        if isinstance(parent, GraphQLObjectType) and not node.name.value.startswith("__"):
            self.coordinates.add(f"{parent.name}.{node.name.value}")


def selected_coordinates(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> frozenset[str]:
    """``Type.field`` of every field the chosen operation can select."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name and op.name.value == operation_name)
    ]
    type_info = TypeInfo(schema)
    collector = _FieldCollector(type_info)
    # Fragments are visited whole: a spread's fields count wherever it is used.
    others = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
    for definition in [*chosen[:1], *others]:
        visit(definition, TypeInfoVisitor(type_info, collector))
    return frozenset(collector.coordinates)


def decide(
    policy: Policy, coordinates: frozenset[str], roles: tuple[str, ...], *, purpose: bool
) -> Decisions:
    """The decisions for one operation; the same question gets the same (shared,
    never modified) answer from the policy's cache."""
    return policy.decisions(coordinates, roles, purpose, _decide)


def _decide(
    policy: Policy, coordinates: frozenset[str], roles: tuple[str, ...], purpose: bool
) -> Decisions:
    decisions = Decisions()
    for coordinate in coordinates:
        grant = policy.grant(roles, coordinate)
        if grant.effect is Effect.DENY:
            decisions.refused[coordinate] = Refusal(
                ErrorCode.FORBIDDEN, f"{coordinate} is not granted to {', '.join(roles)}"
            )
        elif grant.purpose_required and not purpose:
            decisions.refused[coordinate] = Refusal(
                ErrorCode.PURPOSE_REQUIRED,
                f"{coordinate} needs a stated purpose: send extensions.purpose in the "
                "request body, or the X-Purpose header",
            )
        elif grant.mask is not None:
            decisions.masked[coordinate] = grant.mask
        else:
            decisions.read.add(coordinate)
    return decisions
