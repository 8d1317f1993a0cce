"""Types about the hub itself: the principal asking, and the health of each source."""

from __future__ import annotations

import strawberry

from xietong.adapters.sources.registry import Source
from xietong.auth.policy import Grant
from xietong.resolvers.context import HubInfo
from xietong.resolvers.hub import current_principal, granted_fields, source_statuses
from xietong.schema.enums import Department
from xietong.schema.mapping import from_record
from xietong.schema.scalars import RegionCode


@strawberry.type(description="One field a principal may read, and on what terms.")
class FieldPermission:
    field: str = strawberry.field(description='The field, as "Type.field".')
    effect: str = strawberry.field(description="allow, or mask (a masked value).")
    purpose_required: bool = strawberry.field(description="Whether X-Purpose must be sent.")

    @classmethod
    def from_grant(cls, coordinate: str, grant: Grant) -> FieldPermission:
        return cls(
            field=coordinate, effect=grant.effect.label, purpose_required=grant.purpose_required
        )


@strawberry.type(description="The client a request's access token stands for.")
class Principal:
    client_id: str = strawberry.field(description="The OAuth 2.0 client the token was issued to.")
    subject: str = strawberry.field(
        description="Who acts: the officer, or the client itself for a system."
    )
    department: Department = strawberry.field(description="The client's department.")
    roles: list[str] = strawberry.field(description="Its roles, as the field policy names them.")
    region: RegionCode = strawberry.field(description="Its region: it sees institutions inside it.")

    @strawberry.field(description="Every field this principal's roles may read.")
    def permissions(self, info: HubInfo) -> list[FieldPermission]:
        return [FieldPermission.from_grant(*granted) for granted in granted_fields(info.context)]


@strawberry.type(description="A department system the hub reads from, as last seen.")
class SourceStatus:
    name: str = strawberry.field(description="The source's name in the sources file.")
    department: Department = strawberry.field(description="The department whose system it is.")
    kind: str = strawberry.field(description="sql or http.")
    healthy: bool | None = strawberry.field(
        description="Whether the last call succeeded; null before the first call."
    )
    latency_ms: float | None = strawberry.field(description="Median of the recent calls.")
    last_error: str | None = strawberry.field(
        description="What went wrong on the last failed call; null after a success."
    )

    @classmethod
    def from_source(cls, source: Source) -> SourceStatus:
        return cls(
            name=source.config.name,
            department=source.config.department,
            kind=source.config.kind.value,
            healthy=source.health.healthy,
            latency_ms=source.health.latency_ms,
            last_error=source.health.last_error,
        )


@strawberry.type
class HubQuery:
    @strawberry.field(description="The principal of this request's access token.")
    def me(self, info: HubInfo) -> Principal:
        return from_record(Principal, current_principal(info.context))

    @strawberry.field(description="Every configured department source and its health.")
    def sources(self, info: HubInfo) -> list[SourceStatus]:
        return [SourceStatus.from_source(source) for source in source_statuses(info.context)]
