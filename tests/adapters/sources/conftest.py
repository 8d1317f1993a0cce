"""One scripted service for the source-client tests, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adapters.sources.scripted import Script, scripted_app
from xietong.sandbox.serve import serve_in_thread


@pytest.fixture(scope="module")
def scripted_service() -> Iterator[tuple[Script, str]]:
    script = Script()
    with serve_in_thread(scripted_app(script)) as url:
        yield script, url


@pytest.fixture
def script(scripted_service: tuple[Script, str]) -> Script:
    scripted_service[0].reset()
    return scripted_service[0]


@pytest.fixture
def scripted_url(scripted_service: tuple[Script, str]) -> str:
    return scripted_service[1]
