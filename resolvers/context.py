"""What every resolver can reach: the request's principal and the hub's services."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from auth.policy import Policy
from auth.principal import Principal
from auth.schema_policy import Decisions
from resolvers.loaders import Loaders
from xietong.errors import CodedError, ErrorCode
from xietong.hub import Hub


@dataclass(slots=True)
class HubContext:
    request: Request
    hub: Hub
    policy: Policy
    principal: Principal | None
    purpose: str | None = None
    """Why the data is read (header ``X-Purpose``), logged with the request."""
    case_id: str | None = None
    """The case the reading serves (header ``X-Case-Id``), logged with the request."""
    decisions: Decisions = field(default_factory=Decisions)
    """The policy's answer for this operation, filled before execution."""
    _loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, made on first use."""
        if self._loaders is None:
            self._loaders = Loaders(self.hub.adapters)
        return self._loaders

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise CodedError(ErrorCode.UNAUTHENTICATED, "a bearer access token is required")
        return self.principal
