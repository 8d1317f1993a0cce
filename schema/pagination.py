"""Relay-shaped connections: ``edges { cursor node }``, ``pageInfo``, ``totalCount``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from xietong.kernel.errors import CodedError, ErrorCode
from xietong.kernel.identifiers import credit_code_error

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")
MAX_PAGE = 500


@strawberry.type
class PageInfo:
    """Relay's page info. Pages go forward only (``first``/``after``), so
    ``hasPreviousPage`` says whether this page started after a cursor."""

    has_next_page: bool = strawberry.field(description="Whether more follow.")
    end_cursor: str | None = strawberry.field(description="Give it as after for the next page.")
    has_previous_page: bool = strawberry.field(
        default=False, description="Whether this page started after a cursor."
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The cursor of the page's first item."
    )


@strawberry.type
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="This item's position, for after.")
    node: T = strawberry.field(description="The item.")


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="This page's items.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")
    total_count: int = strawberry.field(description="How many match in all.")


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str | None, parse: Callable[[str], K]) -> K | None:
    """The key a cursor stands for; a cursor the hub did not make is BAD_USER_INPUT.

    ``parse`` checks the key's shape (``credit_code_key``, ``sequence_key``, ...),
    raising ValueError for one the connection never hands out, so that a crafted
    cursor is refused here instead of reaching a department or the database.
    """
    if cursor is None:
        return None
    try:
        return parse(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CodedError(
            ErrorCode.BAD_USER_INPUT,
            f"after: {cursor!r} is not a cursor from this API",
            argument="after",
        ) from None


def credit_code_key(key: str) -> str:
    """The key of a connection ordered by credit code."""
    if credit_code_error(key):
        raise ValueError(key)
    return key


def sequence_key(key: str) -> int:
    """The key of a connection ordered by a positive 64-bit sequence number."""
    if not (key.isascii() and key.isdigit() and 0 < int(key) < 2**63):
        raise ValueError(key)
    return int(key)


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
    after: str | None = None,
) -> Connection[T]:
    """A page from ``records`` (fetched as ``first + 1`` to know if more follow),
    starting after the cursor ``after`` if one was given."""
    page = records[:first]
    return Connection(
        edges=[Edge(cursor=encode_cursor(key(record)), node=node(record)) for record in page],
        page_info=PageInfo(
            has_next_page=len(records) > first,
            end_cursor=encode_cursor(key(page[-1])) if page else None,
            # The record the cursor stands for came before this page (Relay lets a
            # forward-only connection say so without counting).
            has_previous_page=after is not None,
            start_cursor=encode_cursor(key(page[0])) if page else None,
        ),
        total_count=total,
    )


def node_fields(info: Info[Any, Any]) -> frozenset[str]:
    """The names of the fields a connection's ``edges { node { ... } }`` select, through
    fragments, whatever directives say (so never fewer than are answered)."""
    connection = [inner for field in info.selected_fields for inner in field.selections]
    return frozenset(field.name for field in _fields(_named(_named(connection, "edges"), "node")))


def _named(selections: Sequence[Selection], name: str) -> list[Selection]:
    return [
        inner for field in _fields(selections) if field.name == name for inner in field.selections
    ]


def _fields(selections: Sequence[Selection]) -> list[SelectedField]:
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        else:  # a fragment spread or an inline fragment
            found.extend(_fields(selection.selections))
    return found
