"""strawberry's depth and alias limiters, refusing with ``QUERY_TOO_COMPLEX`` and
the figures (strawberry's own errors carry no code, and the depth limiter stops
counting at the limit, so it cannot say by how much)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    Visitor,
    visit,
)
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.extensions.max_aliases import count_fields_with_alias

from xietong.kernel.documents import fragments_of
from xietong.kernel.errors import ErrorCode
from xietong.schema.limits.errors import too_complex

Recode = Callable[[DocumentNode], list[GraphQLError]]


def depth_rule(maximum: int) -> type[ASTValidationRule]:
    """strawberry's ``QueryDepthLimiter`` rule, reporting one refusal per operation
    deeper than ``maximum`` (introspection fields do not count, as in strawberry)."""

    def recode(document: DocumentNode) -> list[GraphQLError]:
        fragments = fragments_of(document)
        return [
            too_complex("depth", depth, maximum, nodes=[operation])
            for operation in _operations(document)
            if (depth := selection_depth(operation.selection_set, fragments)) > maximum
        ]

    return _recoding(_only_rule(QueryDepthLimiter(max_depth=maximum)), recode)


def aliases_rule(maximum: int) -> type[ASTValidationRule]:
    """strawberry's ``MaxAliasesLimiter`` rule, reporting one refusal for the document."""

    def recode(document: DocumentNode) -> list[GraphQLError]:
        fragments = fragments_of(document)
        total = sum(count_fields_with_alias(op, fragments) for op in _operations(document))
        return [too_complex("aliases", total, maximum)] if total > maximum else []

    return _recoding(_only_rule(MaxAliasesLimiter(max_alias_count=maximum)), recode)


def selection_depth(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> int:
    """How many levels of fields hang below ``selection_set``'s fields
    (``{ me { clientId } }`` is 1), counted the way strawberry counts them."""
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.selection_set is None or selection.name.value.startswith("__"):
                continue
            deepest = max(deepest, 1 + selection_depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, selection_depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                deepest = max(
                    deepest, selection_depth(fragment.selection_set, fragments, seen | {name})
                )
    return deepest


class NoEmptySelections(ASTValidationRule):
    """``{ me { } }`` is a syntax error in GraphQL (a selection set holds at least one
    selection), which graphql-core's parser lets through; said here, with the code
    a parse failure has, before strawberry's limiters trip over it."""

    def enter_selection_set(self, node: SelectionSetNode, *_: object) -> None:
        if not node.selections:
            self.report_error(
                GraphQLError(
                    "Syntax Error: a selection set must select at least one field.",
                    nodes=[node],
                    extensions={"code": ErrorCode.GRAPHQL_PARSE_FAILED.value},
                )
            )


def has_empty_selection(document: DocumentNode) -> bool:
    found = False

    class Finder(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_: object) -> None:
            nonlocal found
            found = found or not node.selections

    visit(document, Finder())
    return found


def _only_rule(limiter: AddValidationRules) -> type[ASTValidationRule]:
    (rule,) = limiter.validation_rules
    return rule


def _recoding(rule: type[ASTValidationRule], recode: Recode) -> type[ASTValidationRule]:
    """Run ``rule`` (strawberry's limiters do all their work when constructed) with
    its reports held back; if it reported anything, report ``recode``'s errors."""

    class Recoding(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if has_empty_selection(context.document):
                return  # NoEmptySelections reports it; the limiters cannot measure it
            held: list[GraphQLError] = []
            report = context.on_error
            # graphql-core itself installs its callback this way
            context.on_error = held.append  # type: ignore[method-assign,assignment]
            try:
                rule(context)
            finally:
                context.on_error = report  # type: ignore[method-assign]
            if held:
                for error in recode(context.document) or held:
                    context.report_error(error)

    return Recoding


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
