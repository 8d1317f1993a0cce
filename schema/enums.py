"""Enums shared across the schema."""

import strawberry

from xietong.departments import Department

# Registers the hub's own enum with strawberry, so resolvers and schema share one type.
strawberry.enum(Department, name="Department")

__all__ = ["Department"]
