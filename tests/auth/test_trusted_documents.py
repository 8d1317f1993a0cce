"""The trusted document registry: per client, by SHA-256, each document once."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.harness import HubHarness
from xietong.auth.identity_errors import UnknownClientError
from xietong.auth.trusted_documents import TrustedDocumentError, document_id_of, is_document_id

ME = "query Me { me { clientId } }"


def test_a_document_id_is_the_sha256_of_the_exact_text() -> None:
    assert document_id_of("{ me { clientId } }") == (
        "sha256:14fadb64c86bffebd030fe1b6f19725303de24815d40043fe8d08e43b48da375"
    )
    assert document_id_of(ME) != document_id_of(ME + " ")
    assert not is_document_id("sha256:" + "A" * 64)
    assert not is_document_id("sha1:" + "a" * 40)


async def test_adding_the_same_document_concurrently_registers_it_once(
    harness: HubHarness,
) -> None:
    documents = harness.hub.tokens.documents

    added = await asyncio.gather(*(documents.add("demo-education", ME) for _ in range(6)))

    assert sorted(new for _, new in added) == [False] * 5 + [True]
    listed = await documents.list_for("demo-education")
    assert [(d.document_id, d.document) for d in listed] == [(document_id_of(ME), ME)]
    assert await documents.list_for("demo-market") == []


@pytest.mark.parametrize(
    ("document", "reason"),
    [("", "empty"), ("{ me { clientId }", "not GraphQL"), ("x" * 100_001, "over")],
)
async def test_a_document_that_is_not_one_is_refused(
    sqlite_harness: HubHarness, document: str, reason: str
) -> None:
    with pytest.raises(TrustedDocumentError, match=reason):
        await sqlite_harness.hub.tokens.documents.add("demo-education", document)


async def test_a_manifest_id_must_be_its_documents_own(sqlite_harness: HubHarness) -> None:
    wrong = document_id_of("{ __typename }")

    with pytest.raises(TrustedDocumentError, match="is not the id of its document"):
        await sqlite_harness.hub.tokens.documents.add("demo-education", ME, document_id=wrong)


async def test_documents_belong_to_registered_clients(sqlite_harness: HubHarness) -> None:
    documents = sqlite_harness.hub.tokens.documents

    with pytest.raises(UnknownClientError):
        await documents.add("nobody", ME)
    with pytest.raises(TrustedDocumentError, match="no document"):
        await documents.remove("demo-education", document_id_of(ME))
