"""The one error a source raises, naming the department and the source."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from xietong.domain.departments import Department

T = TypeVar("T")


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


async def or_unavailable(awaitable: Awaitable[T]) -> T | SourceUnavailableError:
    """The answer, or the error of the department that could not give it: gathered
    with others, one department down then costs only its own part of the result."""
    try:
        return await awaitable
    except SourceUnavailableError as error:
        return error
