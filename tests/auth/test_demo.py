"""The demo clients of DESIGN §11."""

from __future__ import annotations

from tests.auth.token_helpers import TokenHub, unverified_parts
from xietong.auth.demo import demo_tokens, register_demo_clients


async def test_demo_clients_are_registered_once_and_can_get_tokens(token_hub: TokenHub) -> None:
    first = await register_demo_clients(token_hub.service.clients)
    token_hub.clock.advance(60)
    second = await register_demo_clients(token_hub.service.clients)

    assert second == first
    assert len(await token_hub.service.clients.list_all()) == 11
    by_id = {record.client_id: record for record in first}
    assert by_id["demo-police"].department == "PUBLIC_SECURITY"
    assert by_id["demo-admin"].department == "AUDIT"
    assert by_id["demo-admin"].roles == ("admin",)
    assert by_id["demo-education-district"].region == "410202"
    assert by_id["demo-education-district"].roles == ("education.supervisor",)
    assert {record.region for record in first} == {"410200", "410202"}

    response = await token_hub.token_by_secret("demo-education", "demo-education-secret")
    assert response.status_code == 200
    await token_hub.service.clients.disable("demo-tech")
    tokens = await demo_tokens(token_hub.service)
    assert "demo-tech" not in tokens
    assert len(tokens) == 10
    assert unverified_parts(tokens["demo-auditor"].access_token)[1]["roles"] == ["auditor"]
