"""A department behind the proxy the environment names (``HTTP_PROXY``,
``NO_PROXY``), looked up once per source rather than on every call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from tests.adapters.sources.scripted import scripted_source
from tests.adapters.support import opened_http
from xietong.adapters.sources.http import proxy_for
from xietong.sandbox.serve import serve_in_thread


class ForwardProxy:
    """Stands in for a forward proxy: answers every request itself, noting the
    absolute URL it was asked to fetch."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.asked.append(scope["raw_path"].decode())
        body = json.dumps({"via": "proxy"}).encode()
        headers: list[Any] = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


async def test_a_department_is_reached_through_the_environments_proxy(
    no_proxies: pytest.MonkeyPatch,
) -> None:
    proxy = ForwardProxy()
    with serve_in_thread(proxy) as proxy_url:
        no_proxies.setenv("HTTP_PROXY", proxy_url)
        # The department's own host does not resolve: only the proxy can answer.
        async with opened_http(scripted_source("http://market.department.invalid")) as source:
            first = await source.request_json("GET", "/answer")
            second = await source.request_json("GET", "/answer?page=2")
    assert first == second == {"via": "proxy"}
    assert proxy.asked == [
        "http://market.department.invalid/answer",
        "http://market.department.invalid/answer",
    ]


def test_no_proxy_names_the_hosts_reached_directly(no_proxies: pytest.MonkeyPatch) -> None:
    no_proxies.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    no_proxies.setenv("HTTPS_PROXY", "http://tls-proxy.internal:3128")
    no_proxies.setenv("NO_PROXY", "bank.internal,127.0.0.1")

    assert proxy_for("http://market.gov.example/api") == "http://proxy.internal:3128"
    assert proxy_for("https://police.gov.example") == "http://tls-proxy.internal:3128"
    assert proxy_for("http://bank.internal:8103") is None
    assert proxy_for("http://127.0.0.1:8101") is None


def test_without_a_proxy_in_the_environment_every_department_is_direct(
    no_proxies: pytest.MonkeyPatch,
) -> None:
    assert proxy_for("http://market.gov.example/api") is None
