"""Jinja2 for the pages: autoescaped, translated from the reports' gettext catalogue.

One environment per language, like the reports (:func:`tigerblood.reports.render.environment`),
so ``?lang=fr`` reads the same ``tigerblood.po``. Templates get ``link()``, which keeps the
language across links, and the reports' pattern names.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tigerblood.reports.behaviours import PATTERNS
from tigerblood.reports.i18n import LANGUAGES, Lang, get_lang
from tigerblood.reports.render import localized
from tigerblood.web.queries import post_url, profile_url


def language(code: str | None) -> Lang:
    """The page language from ``?lang=``: one of :data:`LANGUAGES`, English otherwise."""
    return get_lang(code if code in LANGUAGES else "en")


def link_maker(lang: Lang) -> Any:
    """``link("/accounts", pattern="x")`` -> ``/accounts?pattern=x&lang=fr`` (None values and
    empty strings are left out; the path is percent-encoded, as ids from the data may hold
    ``?``, ``#`` or spaces)."""

    def link(path: str, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v is not None and v != ""}
        if lang.code != "en":
            params["lang"] = lang.code
        path = quote(path, safe="/:@")
        return f"{path}?{urlencode(params)}" if params else path

    return link


@cache
def templates(code: str) -> Jinja2Templates:
    """The page templates in one language."""
    env = localized("tigerblood.web", code)
    env.globals.update(patterns=PATTERNS, post_url=post_url, profile_url=profile_url)
    return Jinja2Templates(env=env)


def page(
    request: Request, name: str, lang: Lang, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render page ``name`` in ``lang``, with the request's session details for the layout."""
    guard = request.app.state.guard
    return templates(lang.code).TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "link": link_maker(lang),
            "reviewer": guard.reviewer(request),
            "csrf": guard.csrf(request.state.sid),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
