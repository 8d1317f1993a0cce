"""Query limits, checked before execution: tokens (while parsing), depth and aliases
(while validating), and a cost estimate (with the variables, just before executing).

Each refusal is ``QUERY_TOO_COMPLEX`` naming the limit, its maximum and the
document's figure. The extensions are in ``schema.limits.extensions``::

    schema = strawberry.Schema(Query, extensions=[*limit_extensions(QueryLimits())])
"""

from __future__ import annotations

from xietong.kernel.settings import QueryLimits

__all__ = ["QueryLimits"]
