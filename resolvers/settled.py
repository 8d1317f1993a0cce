"""Answering a field at once when what it needs is already loaded.

graphql-core gives every awaitable a field returns its own task, and a page of 100
joint records has hundreds of section fields: once the page's sections are loaded
(``joint_record.institutions_page`` waits for them), a field whose loader holds the
answer returns it as a plain value instead, and one whose answer is still coming
(or failed) returns an awaitable exactly as an ``async`` resolver would.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

T = TypeVar("T")
U = TypeVar("U")

Answer: TypeAlias = U | Awaitable[U]
"""A field's answer, now or later."""


def settled(pending: Answer[T], then: Callable[[T], U]) -> Answer[U]:
    """``then`` of what ``pending`` gives: at once if it is a value or a future
    already holding one, else awaited (an exception is then raised where an
    ``async`` resolver would raise it)."""
    if isinstance(pending, asyncio.Future):
        if holds_value(pending):
            return then(pending.result())
        # graphql-core may cancel the field before awaiting it (a sibling that may not
        # be null failed): its failure is then retrieved here, not left to be logged.
        pending.add_done_callback(retrieve)
        return _later(pending, then)
    if inspect.isawaitable(pending):
        return _later(pending, then)
    return then(pending)


def holds_value(future: asyncio.Future[Any]) -> bool:
    """Whether ``future`` is done with a value (not cancelled, not failed)."""
    return future.done() and not future.cancelled() and future.exception() is None


def retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a future's failure as seen (nothing else may ever await it)."""
    if not future.cancelled():
        future.exception()


async def _later(pending: Awaitable[T], then: Callable[[T], U]) -> U:
    return then(await pending)
