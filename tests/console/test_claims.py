"""Mapping an external provider's ID token claims to an officer here."""

from __future__ import annotations

from xietong.console.pages import claim_values, external_username


def test_claims_are_mapped_as_configured_and_a_role_list_gives_its_first() -> None:
    claims = {
        "sub": "u-1",
        "display_name": "钱伟",
        "department": "FIRE_SAFETY",
        "groups": ["fire.officer", "x"],
        "district": "410202",
    }
    mapping = "name=display_name,dept=department,role=groups,region=district"

    assert claim_values(claims, mapping) == {
        "name": "钱伟",
        "dept": "FIRE_SAFETY",
        "role": "fire.officer",
        "region": "410202",
    }
    assert claim_values({"sub": "u-1"}, mapping) == {}


def test_external_usernames_are_prefixed_and_kept_to_the_username_alphabet() -> None:
    assert external_username("idp", "Zhao.Min") == "idp.zhao.min"
    assert external_username("idp", "王/1 2") == "idp.--1-2"
    assert len(external_username("idp", "x" * 200)) == 64
