"""The console's routes under ``/console``, and the hub app with the console in it.

>>> app = create_hub_app(Settings.from_env())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from xietong.console import audit, cases, dashboard, funds, institutions, reviews
from xietong.console.pages import PREFIX, Console
from xietong.console.sessions import Session
from xietong.hub.services import Hub
from xietong.kernel.settings import Settings
from xietong.web.app import create_app

STATIC = Path(__file__).resolve().parent / "static"

PageFunction = Callable[[Console, Request, Session], Awaitable[Response]]


def console_routes(settings: Settings) -> list[BaseRoute]:
    console = Console(settings)

    def page(
        function: PageFunction, *, needs_purpose: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request, session: Session) -> Response:
            return await function(console, request, session)

        return console.page(handler, needs_purpose=needs_purpose)

    async def home(request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/search", status_code=303)

    return [
        Mount(
            PREFIX,
            routes=[
                Route("/", home, methods=["GET"]),
                Route("/login", console.login, methods=["GET"]),
                Route("/callback", console.callback, methods=["GET"]),
                Route(
                    "/logout",
                    console.page(console.logout, needs_purpose=False),
                    methods=["POST"],
                ),
                Route(
                    "/language",
                    console.page(console.language, needs_purpose=False),
                    methods=["POST"],
                ),
                Route(
                    "/task",
                    console.page(console.task, needs_purpose=False),
                    methods=["GET", "POST"],
                ),
                Route("/search", page(institutions.search), methods=["GET"]),
                Route("/institutions/{code}", page(institutions.joint_record), methods=["GET"]),
                Route("/reviews", page(reviews.inbox), methods=["GET"]),
                Route("/reviews/open", page(reviews.open_review), methods=["POST"]),
                Route("/reviews/{review_id}", page(reviews.review), methods=["GET"]),
                Route("/reviews/{review_id}/{action}", page(reviews.act), methods=["POST"]),
                Route("/audit", page(audit.access_log), methods=["GET"]),
                Route("/dashboard", page(dashboard.dashboard), methods=["GET"]),
                Route("/cases", page(cases.inbox), methods=["GET"]),
                Route("/cases/{case_id}", page(cases.case_page), methods=["GET"]),
                Route("/cases/{case_id}/{action}", page(cases.act), methods=["POST"]),
                Route("/funds/{code}", page(funds.ledger), methods=["GET"]),
                Route("/funds/{code}/approve", page(funds.approve), methods=["POST"]),
                Route("/person", page(dashboard.person), methods=["GET"]),
                Mount("/static", StaticFiles(directory=STATIC), name="console-static"),
            ],
        )
    ]


def create_hub_app(settings: Settings, *, hub: Hub | None = None) -> Starlette:
    """The hub's app (``xietong.web.app.create_app``) with the console at ``/console``."""
    app = create_app(settings, hub=hub)
    # Routes are matched at request time: adding them before the first request is
    # the same as giving them to the constructor. Mounted as a Router (not an app),
    # so a console page's ``request.app`` is the hub app it calls /graphql through.
    app.router.routes.extend(console_routes(settings))
    return app
