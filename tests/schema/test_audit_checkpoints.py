"""Auditors read the hub's signed checkpoints through GraphQL; the hub's checkpoint
task makes them as events come."""

from __future__ import annotations

from tests.support.harness import HubHarness
from xietong.audit.checkpoints import open_checkpoint
from xietong.hub.checkpoints import Checkpointer
from xietong.kernel.jws import load_key_set

CHECKPOINTS = """
query Checkpoints($after: Int, $first: Int) {
  auditCheckpoints(after: $after, first: $first) { seq headHash at jws }
}
"""


async def test_the_checkpoint_task_signs_every_n_events_and_auditors_read_them(
    harness: HubHarness,
) -> None:
    hub = harness.hub
    every_two = Checkpointer(
        hub.sync_engine,
        hub.tokens.keys,
        hub.settings.with_changes(checkpoint_every=2, checkpoint_seconds=0.0),
    )
    made = []
    for _ in range(4):
        await harness.graphql("demo-fire", "{ me { clientId } }")
        made.append(await every_two.tick())

    first_page = await harness.graphql(
        "demo-auditor", CHECKPOINTS, {"first": 1}, purpose="keeping checkpoints"
    )
    rest = await harness.graphql(
        "demo-auditor", CHECKPOINTS, {"after": 2}, purpose="keeping checkpoints"
    )
    jwks = (await harness.http.get("/.well-known/jwks.json")).json()

    assert [checkpoint is not None for checkpoint in made] == [False, True, False, True]
    [first] = first_page.json()["data"]["auditCheckpoints"]
    [second] = rest.json()["data"]["auditCheckpoints"]
    assert (first["seq"], second["seq"]) == (2, 4)
    attested = open_checkpoint(second["jws"], load_key_set(jwks))
    assert (attested.seq, attested.head_hash) == (4, second["headHash"])


async def test_only_auditors_read_checkpoints_and_only_with_a_purpose(
    harness: HubHarness,
) -> None:
    as_education = await harness.graphql("demo-education", CHECKPOINTS)
    without_purpose = await harness.graphql("demo-auditor", CHECKPOINTS, purpose=None)

    assert as_education.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_education.json()["data"]["auditCheckpoints"] is None
    assert without_purpose.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
