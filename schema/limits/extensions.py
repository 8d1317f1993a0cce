"""The limits as strawberry extensions, in the order they bite: parse, validate, execute."""

from __future__ import annotations

from collections.abc import Callable

from graphql import ASTValidationRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension

from xietong.schema.limits import QueryLimits
from xietong.schema.limits.cost import CostEstimates, CostLimiter
from xietong.schema.limits.shape import NoEmptySelections, aliases_rule, depth_rule


def limit_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories: each operation gets fresh extensions (they hold its context).

    The validation rules and the cost estimates are made once, here: the
    validation cache is keyed on the rule classes, so new classes per request
    would never hit it, and an estimate is worth keeping for the next request.
    """
    rules: list[type[ASTValidationRule]] = [
        NoEmptySelections,
        depth_rule(limits.depth),
        aliases_rule(limits.aliases),
    ]
    estimates = CostEstimates()
    return [
        lambda: MaxTokensLimiter(max_token_count=limits.tokens),
        lambda: AddValidationRules(rules),
        lambda: CostLimiter(maximum=limits.cost, estimates=estimates),
    ]
