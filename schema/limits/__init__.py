"""Query limits, checked before execution: tokens (while parsing), depth and aliases
(while validating), and a cost estimate (with the variables, just before executing).

Each refusal is ``QUERY_TOO_COMPLEX`` naming the limit, its maximum and the
document's figure. The extensions are in ``schema.limits.extensions``::

    schema = strawberry.Schema(Query, extensions=[*limit_extensions(QueryLimits())])
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueryLimits:
    depth: int = 10
    aliases: int = 30
    tokens: int = 5000
    """A joint page with every section is about 160 tokens; 30 aliased lookups of
    one institution with every section about 4 800."""
    cost: int = 500_000
    """A 100-institution joint page with every section is about 210 000; the same
    page of 500, or lists nested under lists under a page, is over a million."""
