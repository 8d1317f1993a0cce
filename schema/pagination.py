"""Relay-shaped connections: ``edges { cursor node }``, ``pageInfo``, ``totalCount``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from xietong.kernel.errors import CodedError, ErrorCode

T = TypeVar("T")
R = TypeVar("R")
MAX_PAGE = 500


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor stands for; a cursor the hub did not make is BAD_USER_INPUT."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CodedError(
            ErrorCode.BAD_USER_INPUT,
            f"after: {cursor!r} is not a cursor from this API",
            argument="after",
        ) from None


def page_size(first: int) -> int:
    if first < 0:
        raise CodedError(ErrorCode.BAD_USER_INPUT, "first must not be negative", argument="first")
    return min(first, MAX_PAGE)


def connection(
    records: Sequence[R],
    *,
    first: int,
    total: int,
    key: Callable[[R], str],
    node: Callable[[R], T],
) -> Connection[T]:
    """A page from ``records`` (fetched as ``first + 1`` to know if more follow)."""
    page = records[:first]
    return Connection(
        edges=[Edge(cursor=encode_cursor(key(record)), node=node(record)) for record in page],
        page_info=PageInfo(
            has_next_page=len(records) > first,
            end_cursor=encode_cursor(key(page[-1])) if page else None,
        ),
        total_count=total,
    )
