"""GraphiQL in a browser loads everything from the hub: no outside host, every file
with its integrity hash, a policy that forbids anything else."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

from tests.support.harness import HubHarness
from xietong.web.graphiql import STATIC, vendored_assets

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class _References(HTMLParser):
    """Every URL the page makes the browser load, with its integrity attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[tuple[str, str, str | None]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href"):
            url = attributes.get(name)
            if url is not None:
                self.loaded.append((tag, url, attributes.get("integrity")))
        self._in_script = tag == "script" and "src" not in attributes

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


async def page(harness: HubHarness) -> tuple[httpx.Response, _References]:
    response = await harness.http.get("/graphql", headers=BROWSER)
    references = _References()
    references.feed(response.text)
    return response, references


async def test_the_page_names_no_outside_host(sqlite_harness: HubHarness) -> None:
    response, references = await page(sqlite_harness)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert references.loaded, "the page loads nothing?"
    for tag, url, _ in references.loaded:
        parts = urlsplit(url)
        assert parts.scheme in {"", "data"}, f"<{tag}> loads {url} from elsewhere"
        assert not parts.netloc, f"<{tag}> loads {url} from another host"
    assert references.inline_scripts == 0


async def test_every_script_and_style_is_served_by_the_hub_with_its_hash(
    sqlite_harness: HubHarness,
) -> None:
    _, references = await page(sqlite_harness)

    files = [(url, integrity) for tag, url, integrity in references.loaded if tag != "link"]
    files += [(u, i) for tag, u, i in references.loaded if tag == "link" and u.endswith(".css")]
    names = {url.rsplit("/", 1)[-1] for url, _ in files}
    assert {"react.production.min.js", "graphiql.min.js", "graphiql.min.css"} <= names
    for url, integrity in files:
        served = await sqlite_harness.http.get(urljoin("http://hub/graphql", url))
        assert served.status_code == 200, url
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert integrity == f"sha384-{digest}", url
        assert served.headers["x-content-type-options"] == "nosniff"
        if url.endswith(".css"):  # a style sheet could still pull fonts from elsewhere
            assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", served.text), url


async def test_the_page_forbids_other_origins_and_framing(sqlite_harness: HubHarness) -> None:
    response, _ = await page(sqlite_harness)

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"


def test_every_vendored_package_ships_its_licence_and_pinned_version() -> None:
    assets = vendored_assets()

    assert {asset.package for asset in assets} == {
        "react",
        "react-dom",
        "graphiql",
        "@graphiql/plugin-explorer",
    }
    for asset in assets:
        folder = (STATIC / "vendor" / asset.path).parent
        assert asset.version in folder.name
        assert asset.license == "MIT"
        assert "Permission is hereby granted" in (folder / "LICENSE").read_text(encoding="utf-8")


async def test_the_graphql_endpoint_still_wants_a_token_from_a_browser_with_a_query(
    sqlite_harness: HubHarness,
) -> None:
    response = await sqlite_harness.http.get(
        "/graphql", params={"query": "{ me { clientId } }"}, headers=BROWSER
    )

    assert response.status_code == 401
