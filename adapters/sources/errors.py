"""The one error a source raises, naming the department and the source."""

from __future__ import annotations

from xietong.domain.departments import Department


class SourceUnavailableError(Exception):
    """A department's source did not answer in time, or answered with an error.

    Costs only that department's fields: the GraphQL layer reports it as
    ``SOURCE_UNAVAILABLE`` with ``extensions.department`` and ``extensions.source``.
    """

    def __init__(self, department: Department, source: str, reason: str) -> None:
        super().__init__(f"{department} source {source!r} is unavailable: {reason}")
        self.department = department
        self.source = source
        self.reason = reason
        # graphql-core copies these onto the error it reports at the field's path.
        self.extensions = {
            "code": "SOURCE_UNAVAILABLE",
            "department": department.value,
            "source": source,
        }
