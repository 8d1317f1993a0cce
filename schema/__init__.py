"""The GraphQL schema: strawberry types, inputs, enums and scalars; no I/O."""
