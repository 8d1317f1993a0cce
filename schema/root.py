"""The root schema, composed from each domain's query class."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.hub import HubQuery
from schema.scalars import SCALAR_MAP


@strawberry.type
class Query(HubQuery):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, config=StrawberryConfig(scalar_map=SCALAR_MAP))
