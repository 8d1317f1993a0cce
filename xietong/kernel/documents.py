"""Reading a parsed GraphQL document: shared by the query limits and the access log."""

from __future__ import annotations

from graphql import DocumentNode, FragmentDefinitionNode


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's named fragments, by name."""
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
