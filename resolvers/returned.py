"""Which records a request returned, for its access-log event: noted by the resolvers
that load them, so the log has them whatever the document selects or aliases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from xietong.audit.events import draft_of
from xietong.resolvers.context import HubContext

T = TypeVar("T")


def note_returned(context: HubContext, keys: Iterable[str]) -> None:
    """Credit codes and ID numbers (the log keeps a pseudonym), or ``id:<id>``."""
    draft = draft_of(context.request.scope)
    if draft is not None:
        draft.returned_keys.update(keys)


def page_of(records: list[T], fetched: int) -> list[T]:
    """The records a page returns when ``fetched`` were asked for to learn whether
    more follow (one more than the page)."""
    return records[: fetched - 1] if len(records) >= fetched else records
