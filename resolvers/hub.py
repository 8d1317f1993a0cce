"""Resolvers about the hub itself: who is asking, and how the sources are doing."""

from __future__ import annotations

from xietong.adapters.sources.registry import Source
from xietong.auth.policy import Effect, Grant
from xietong.auth.principal import Principal
from xietong.resolvers.context import HubContext


def current_principal(context: HubContext) -> Principal:
    return context.principal


def granted_fields(context: HubContext) -> list[tuple[str, Grant]]:
    """Every field the principal's roles may read, with how, in schema order."""
    roles = context.principal.roles
    grants = (
        (coordinate, context.policy.grant(roles, coordinate))
        for coordinate in context.policy.coordinates
    )
    return [(coordinate, grant) for coordinate, grant in grants if grant.effect is not Effect.DENY]


def source_statuses(context: HubContext) -> list[Source]:
    return list(context.hub.sources)
