"""What every resolver can reach: the request's principal and the hub's services."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from auth.principal import Principal
from xietong.errors import CodedError, ErrorCode
from xietong.hub import Hub


@dataclass(slots=True)
class HubContext:
    request: Request
    hub: Hub
    principal: Principal | None

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise CodedError(ErrorCode.UNAUTHENTICATED, "a bearer access token is required")
        return self.principal
