"""The FastAPI application: the served database, security, pages, API and the stylesheet.

``create_app`` builds an app around one store file; ``tigerblood serve`` runs it with uvicorn,
and the tests run the very same app on a free port. Swagger's pages are off (they load scripts
from a CDN, which the CSP forbids); the schema itself is at ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from tigerblood.web import api, pages, review_pages
from tigerblood.web.database import Database
from tigerblood.web.reports import Reports
from tigerblood.web.security import Guard, headers_and_session

STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    db: Path, token: str, *, open_reads: bool = True, hosts: Sequence[str] = ("*",)
) -> FastAPI:
    """The app serving ``db``; ``token`` guards writes (and reads unless ``open_reads``);
    ``hosts`` are the Host headers accepted (DNS-rebinding guard)."""
    database = Database(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        database.close()

    app = FastAPI(
        title="tigerblood",
        summary="Verdicts on social accounts, their evidence, and people's reviews of them.",
        version="1",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.db = database
    app.state.guard = Guard(token, open_reads=open_reads)
    app.state.reports = Reports()
    app.middleware("http")(headers_and_session)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/favicon.ico", no_icon, include_in_schema=False)
    return app


def no_icon() -> Response:
    """Browsers ask for an icon on every site; answering 204 keeps their consoles clean."""
    return Response(status_code=204)
