"""The field policy: which role may read which field, masked or not, and why.

One declarative TOML file (``auth/policy.toml``, or ``XIETONG_POLICY``) decides
every field of the schema. It is loaded and checked against the schema at start-up:
an unknown role, type or field, a field no rule covers, or a field that can be
denied but is non-null is a start-up error. Default deny: a role no rule names
gets nothing.

```toml
[roles]
"education.supervisor" = {}
auditor = { purpose_always = true }       # every data field needs X-Purpose

[masks]
"StaffMember.idNumber" = "id_number"     # how a masked field is masked

[[rules]]
title = "staff identity"
fields = ["StaffMember.name", "StaffMember.idNumber"]   # or "StaffMember.*"
allow = ["education.supervisor"]           # "*" means every role
mask = ["market.officer"]
purpose = true                             # X-Purpose header required
```
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

from xietong.auth.masking import MaskKind
from xietong.kernel.errors import ConfigError

D = TypeVar("D")
MAX_CACHED_DECISIONS = 4096


class Effect(IntEnum):
    """Ordered from least to most permissive, so several roles combine with ``max``."""

    DENY = 0
    MASK = 1
    ALLOW = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Grant:
    effect: Effect
    purpose_required: bool = False
    mask: MaskKind | None = None


DENIED = Grant(Effect.DENY)


@dataclass(frozen=True, slots=True)
class RoleSettings:
    purpose_always: bool = False
    """Every field this role reads (but those of purpose-exempt rules) needs a purpose."""


@dataclass(frozen=True, slots=True)
class Rule:
    title: str
    fields: tuple[str, ...]
    allow: frozenset[str]
    mask: frozenset[str]
    purpose: bool
    purpose_exempt: bool


@dataclass(frozen=True, eq=False)
class Policy:
    """The parsed policy. ``grants`` is filled when it is bound to a schema
    (``auth.schema_policy.bind_policy``): coordinate → role → grant."""

    source: str
    roles: Mapping[str, RoleSettings]
    masks: Mapping[str, MaskKind]
    rules: tuple[Rule, ...]
    grants: Mapping[str, Mapping[str, Grant]] = field(default_factory=dict)
    _combined: dict[tuple[tuple[str, ...], str], Grant] = field(default_factory=dict, repr=False)
    _decisions: dict[Any, Any] = field(default_factory=dict, repr=False)

    def grant_for_role(self, role: str, coordinate: str) -> Grant:
        return self.grants.get(coordinate, {}).get(role, DENIED)

    def grant(self, roles: Iterable[str], coordinate: str) -> Grant:
        """The most permissive grant any of ``roles`` has on ``Type.field``."""
        key = (tuple(sorted(roles)), coordinate)
        cached = self._combined.get(key)
        if cached is None:
            cached = self._combined[key] = self._combine(*key)
        return cached

    def decisions(
        self,
        coordinates: frozenset[str],
        roles: tuple[str, ...],
        purpose: bool,
        decide: Callable[[Policy, frozenset[str], tuple[str, ...], bool], D],
    ) -> D:
        """``decide(...)`` once per distinct question, then from memory (bounded)."""
        key = (coordinates, roles, purpose)
        cached: D | None = self._decisions.get(key)
        if cached is None:
            if len(self._decisions) >= MAX_CACHED_DECISIONS:
                self._decisions.clear()
            cached = self._decisions[key] = decide(self, coordinates, roles, purpose)
        return cached

    @property
    def coordinates(self) -> list[str]:
        """Every field some role is granted, sorted."""
        return sorted(self.grants)

    def _combine(self, roles: tuple[str, ...], coordinate: str) -> Grant:
        grants = [self.grant_for_role(role, coordinate) for role in roles] or [DENIED]
        best = max(grant.effect for grant in grants)
        winners = [grant for grant in grants if grant.effect == best]
        return Grant(
            effect=best,
            purpose_required=best is not Effect.DENY
            and all(grant.purpose_required for grant in winners),
            mask=winners[0].mask if best is Effect.MASK else None,
        )


def load_policy(path: Path) -> Policy:
    """Parse the policy file; the schema check happens in ``auth.schema_policy``."""
    return policy_of_text(read_policy(path), path)


def read_policy(path: Path) -> bytes:
    """The policy file's bytes; a ConfigError if there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"policy file {path} does not exist (XIETONG_POLICY)") from None


def policy_of_text(text: bytes, path: Path) -> Policy:
    """The policy ``text`` (read from ``path``) states."""
    try:
        document = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"policy file {path} is not valid TOML: {error}") from None
    return parse_policy(document, source=str(path))


def parse_policy(document: Mapping[str, Any], *, source: str) -> Policy:
    where = f"policy {source}"
    unknown = sorted(set(document) - {"roles", "masks", "rules"})
    if unknown:
        raise ConfigError(f"{where}: unknown sections {unknown}")
    roles = {
        name: _role_settings(where, name, settings)
        for name, settings in _table(where, document, "roles").items()
    }
    if not roles:
        raise ConfigError(f"{where}: no [roles] declared")
    masks: dict[str, MaskKind] = {}
    for coordinate, kind in _table(where, document, "masks").items():
        try:
            masks[coordinate] = MaskKind(kind)
        except ValueError:
            raise ConfigError(
                f"{where}: mask {kind!r} for {coordinate} is not one of {', '.join(MaskKind)}"
            ) from None
    raw_rules = document.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{where}: `rules` must be an array of tables ([[rules]])")
    rules = tuple(_rule(where, index, raw, roles) for index, raw in enumerate(raw_rules, 1))
    return Policy(source=source, roles=roles, masks=masks, rules=rules)


def _table(where: str, document: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _role_settings(where: str, name: str, settings: Any) -> RoleSettings:
    if not isinstance(settings, dict) or set(settings) - {"purpose_always"}:
        raise ConfigError(f"{where}: role {name!r} takes only `purpose_always`")
    purpose_always = settings.get("purpose_always", False)
    if not isinstance(purpose_always, bool):
        raise ConfigError(f"{where}: role {name!r}: purpose_always must be true or false")
    return RoleSettings(purpose_always=purpose_always)


def _rule(where: str, index: int, raw: Any, roles: Mapping[str, RoleSettings]) -> Rule:
    here = f"{where}, rule #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{here}: expected a table")
    unknown = sorted(set(raw) - {"title", "fields", "allow", "mask", "purpose", "purpose_exempt"})
    if unknown:
        raise ConfigError(f"{here}: unknown keys {unknown}")
    title = raw.get("title", f"rule #{index}")
    here = f"{where}, rule {title!r}"
    fields = raw.get("fields")
    if not (isinstance(fields, list) and fields and all(isinstance(f, str) for f in fields)):
        raise ConfigError(f'{here}: `fields` must be a non-empty list of "Type.field"')
    allow = _role_set(here, raw, "allow", roles)
    mask = _role_set(here, raw, "mask", roles)
    both = sorted(allow & mask)
    if both:
        raise ConfigError(f"{here}: roles {both} are both allowed and masked")
    for key in ("purpose", "purpose_exempt"):
        if not isinstance(raw.get(key, False), bool):
            raise ConfigError(f"{here}: `{key}` must be true or false")
    return Rule(
        title=title,
        fields=tuple(fields),
        allow=allow,
        mask=mask,
        purpose=raw.get("purpose", False),
        purpose_exempt=raw.get("purpose_exempt", False),
    )


def _role_set(
    where: str, raw: Mapping[str, Any], key: str, roles: Mapping[str, RoleSettings]
) -> frozenset[str]:
    names = raw.get(key, [])
    if not (isinstance(names, list) and all(isinstance(name, str) for name in names)):
        raise ConfigError(f"{where}: `{key}` must be a list of role names")
    if "*" in names:
        return frozenset(roles)
    unknown = sorted(set(names) - set(roles))
    if unknown:
        raise ConfigError(f"{where}: unknown roles {unknown} in `{key}` (declare them in [roles])")
    return frozenset(names)
