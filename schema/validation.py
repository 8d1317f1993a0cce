"""Each distinct document validated once, keyed by its text.

Strawberry's ``ValidationCache`` keys its cache by the parsed document, and hashing
a graphql-core document walks every node of it (they are frozen dataclasses): for a
joint record's query that walk cost more than the lookup saved. The text parses to
the same document every time (``ParserCache`` keeps it by text), so the text and the
rules in force are the key.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from xietong.kernel.last_used import LastUsed
from xietong.schema.compat import graphql_schema_of

Validated = LastUsed[tuple[str, tuple[type, ...]], tuple[GraphQLError, ...]]


class ValidationByText(SchemaExtension):
    """Validates as strawberry does, once per text and set of rules (``known``, one
    per schema, outlives the requests)."""

    def __init__(self, known: Validated) -> None:
        self.known = known

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document, rules = execution.graphql_document, execution.validation_rules
        assert document is not None, "validated after parsing"
        schema = graphql_schema_of(execution.schema)
        if execution.query is None:  # a document given already parsed: nothing to key by
            errors = tuple(validate_document(schema, document, rules))
        else:
            errors = self.known.get(
                (execution.query, rules),
                lambda: tuple(validate_document(schema, document, rules)),
            )
        # A list of its own for each request: strawberry's pipeline may add to it.
        execution.pre_execution_errors = list(errors)
        yield
