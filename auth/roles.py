"""The roles a client may hold (DESIGN §7).

This is the one list of role names until the field policy (``auth/policy.toml``)
takes over as their source; client registration refuses any other name so that a
typo cannot create a client that the policy silently denies everything.
"""

from __future__ import annotations

from collections.abc import Iterable

KNOWN_ROLES: tuple[str, ...] = (
    "education.supervisor",
    "market.officer",
    "police.officer",
    "fire.officer",
    "finance.officer",
    "culture.supervisor",
    "tech.supervisor",
    "sports.supervisor",
    "auditor",
    "admin",
)


def unknown_roles(roles: Iterable[str]) -> list[str]:
    """The names in ``roles`` that are not roles, in the order given."""
    return [role for role in roles if role not in KNOWN_ROLES]
