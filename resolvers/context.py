"""What every resolver can reach: the request's principal, its row scope and the
hub's services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from strawberry import Info

from xietong.auth.decisions import decide
from xietong.auth.policy import Policy
from xietong.auth.principal import Principal
from xietong.auth.schema_policy import Decisions
from xietong.domain.actors import Actor
from xietong.domain.scope import Scope
from xietong.hub.services import Hub
from xietong.kernel.errors import CodedError
from xietong.resolvers.loaders import Loaders


@dataclass(slots=True)
class HubContext:
    request: HTTPConnection
    """The HTTP request, or the WebSocket of a subscription (its own copy per
    operation, holding that operation's access-log event)."""
    hub: Hub
    policy: Policy
    principal: Principal
    """Who asks: the GraphQL view answers 401 to a request without one before any
    resolver runs."""
    purpose: str | None = None
    """Why the data is read (header ``X-Purpose``), logged with the request."""
    case_id: str | None = None
    """The case the reading serves (header ``X-Case-Id``), logged with the request."""
    decisions: Decisions = field(default_factory=Decisions)
    """The policy's answer for this operation, filled before execution."""
    connection_params: dict[str, object] | None = None
    """A WebSocket's ``connection_init`` payload (its token, purpose, case id)."""
    _loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, made on first use."""
        if self._loaders is None:
            self._loaders = Loaders(
                self.hub.adapters, self.hub.sessions, self.hub.lookup_engine, self.scope
            )
        return self._loaders

    @property
    def scope(self) -> Scope:
        """The records the principal may see: those inside its region."""
        return Scope(self.principal.region)

    @property
    def actor(self) -> Actor:
        """The principal as the hub's workflows (reviews, cases, releases) record it."""
        principal = self.principal
        return Actor(
            department=principal.department,
            region=principal.region,
            subject=principal.subject,
            client_id=principal.client_id,
            roles=frozenset(principal.roles),
        )

    def require_readable(self, fields_of: Mapping[str, str]) -> None:
        """Refuse a question about fields the principal may not read, such as a filter
        on them (it would tell what the field holds): ``fields_of`` maps each argument
        given to the ``Type.field`` it tests. The policy decides, as for a selection,
        and the fields tested count as read (the access log lists them)."""
        tested = decide(
            self.policy,
            frozenset(fields_of.values()),
            self.principal.roles,
            purpose=self.purpose is not None,
        )
        for argument, coordinate in sorted(fields_of.items()):
            refusal = tested.refused.get(coordinate)
            if refusal is not None:
                raise CodedError(refusal.code, f"{argument}: {refusal.message}", argument=argument)
        coordinates = frozenset(fields_of.values())
        if not coordinates <= self.decisions.tested:
            # A new object: decisions are shared between operations and never changed.
            self.decisions = Decisions(
                refused=self.decisions.refused,
                masked={**self.decisions.masked, **tested.masked},
                read=self.decisions.read | tested.read,
                tested=self.decisions.tested | coordinates,
            )


HubInfo = Info[HubContext, None]
"""What every resolver in ``schema/`` takes, so its context is typed."""
