"""Resolvers about the hub itself: who is asking, and how the sources are doing."""

from __future__ import annotations

from adapters.sources.registry import Source
from auth.principal import Principal
from resolvers.context import HubContext


def current_principal(context: HubContext) -> Principal:
    return context.require_principal()


def source_statuses(context: HubContext) -> list[Source]:
    context.require_principal()
    return list(context.hub.sources)
