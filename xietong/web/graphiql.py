"""GraphiQL served from the hub itself: the page, its assets, and the headers that
keep it to them.

A government network often has no way out, so nothing the page needs may come from
a CDN: React, GraphiQL and its explorer plugin are vendored under ``static/vendor``
at pinned versions with their licences (``scripts/vendor-graphiql.sh`` fetches them
from the npm registry and writes ``assets.json``). The page names every file with its
SRI hash, and its Content-Security-Policy lets it load and call nothing but the hub.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from html import escape
from os import PathLike
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent / "static"
ASSETS_PATH = "/graphiql"
"""Where the page's files are served (``/graphiql/vendor/graphiql-3.8.3/...``)."""
_RELATIVE = ASSETS_PATH.removeprefix("/")
"""How the page (at ``/graphql``) names them: relative, so that a hub served under a
path prefix by its reverse proxy still finds them."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        # React sets style attributes, and GraphiQL's editors inline theirs.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One file the page loads, as ``assets.json`` records it."""

    package: str
    version: str
    license: str
    path: str
    """Under ``static/vendor``."""
    integrity: str
    """``sha384-…``: the browser refuses the file unless it hashes to this."""

    @property
    def url(self) -> str:
        return f"{_RELATIVE}/vendor/{self.path}"


def vendored_assets() -> list[Asset]:
    """What ``assets.json`` lists, in the order the page loads it."""
    entries = json.loads((STATIC / "vendor" / "assets.json").read_text(encoding="utf-8"))
    return [Asset(**entry) for entry in entries]


def integrity_of(path: Path) -> str:
    """The SRI value of a file (sha384, as ``assets.json`` records them)."""
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


@cache
def page_html() -> str:
    """The page: the vendored files in order (styles first), then the hub's own."""
    vendored = vendored_assets()
    own = [(f"{_RELATIVE}/{name}", integrity_of(STATIC / name)) for name in _OWN]
    styles = [(a.url, a.integrity) for a in vendored if a.path.endswith(".css")]
    styles += [(u, i) for u, i in own if u.endswith(".css")]
    scripts = [(a.url, a.integrity) for a in vendored if a.path.endswith(".js")]
    scripts += [(u, i) for u, i in own if u.endswith(".js")]
    links = "\n".join(
        f'    <link rel="stylesheet" href="{escape(u)}" integrity="{i}">' for u, i in styles
    )
    tags = "\n".join(f'    <script src="{escape(u)}" integrity="{i}"></script>' for u, i in scripts)
    return _PAGE.format(links=links, scripts=tags)


def graphiql_response() -> Response:
    return HTMLResponse(page_html(), headers=PAGE_HEADERS)


class GraphiQLFiles(StaticFiles):
    """The page's files. Vendored ones carry their version in their path and are
    cached for a year; the hub's own script and style are revalidated."""

    def __init__(self) -> None:
        super().__init__(directory=STATIC)

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        vendored = (STATIC / "vendor") in Path(full_path).parents
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if vendored else "no-cache"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


_OWN = ("graphiql.css", "graphiql.js")

_PAGE = """<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8">
    <title>Xietong GraphiQL</title>
    <link rel="icon" href="data:,">
{links}
  </head>
  <body>
    <div id="graphiql">Loading…</div>
{scripts}
  </body>
</html>
"""
