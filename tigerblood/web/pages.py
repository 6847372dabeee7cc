"""The HTML pages: overview, accounts, an account, campaigns, audit and mirror, reviews.

Each page asks :mod:`tigerblood.web.queries` (or campaigns, reviews) exactly what the API asks
and renders it with an autoescaping template; ``?lang=fr`` switches the language. The audit and
mirror pages are the reports' own HTML (:func:`~tigerblood.reports.render.audit_html`,
:func:`~tigerblood.reports.render.mirror_html`) with a line of navigation added on top.
The review form and the sign-in live in :mod:`tigerblood.web.review_pages`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from tigerblood.reports.audit import AuditReport
from tigerblood.reports.i18n import Lang
from tigerblood.reports.mirror import MirrorReport
from tigerblood.reports.render import audit_html, behaviour_charts, mirror_html
from tigerblood.store import Store
from tigerblood.web import campaigns, queries, reviews
from tigerblood.web.api import StoreDep, summary
from tigerblood.web.reports import report_of
from tigerblood.web.security import csp, require_read, style_hashes
from tigerblood.web.templating import language, link_maker, page, templates

PAGE_SIZE = 50


def lang_of(lang: Annotated[str | None, Query(max_length=16)] = None) -> Lang:
    """The page language from ``?lang=`` (a FastAPI dependency)."""
    return language(lang)


LangDep = Annotated[Lang, Depends(lang_of)]
router = APIRouter(dependencies=[Depends(require_read)], include_in_schema=False)


def not_found(request: Request, lang: Lang, what: str) -> HTMLResponse:
    """The 404 page, naming what was asked for (escaped like everything else)."""
    return page(request, "not_found.html", lang, status_code=404, what=what)


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, store: StoreDep, lang: LangDep) -> HTMLResponse:
    """The scan at a glance; every number links to the accounts behind it."""
    data = summary(request, store)
    top = max((b["count"] for b in data["score_histogram"]), default=0)
    return page(request, "overview.html", lang, o=data, top=max(top, 1))


def score_bound(text: str | None) -> float | None:
    """A score bound typed in the filter form: empty or not a number means none, and it is
    kept within [0, 1] (a form is forgiving where the API answers 422).

    >>> score_bound(""), score_bound("0.5"), score_bound("7"), score_bound("x")
    (None, 0.5, 1.0, None)
    """
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return None if value is None or value != value else min(1.0, max(0.0, value))


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    store: StoreDep,
    lang: LangDep,
    pattern: Annotated[str | None, Query(max_length=64)] = None,
    platform: Annotated[str | None, Query(max_length=32)] = None,
    flagged: Literal["", "yes", "no"] = "",
    min_score: Annotated[str | None, Query(max_length=32)] = None,
    max_score: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Literal["score", "handle", "platform", "id"] = "score",
    order: Literal["desc", "asc"] = "desc",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Accounts, filtered by pattern, platform, flag, score range and handle; sortable; paged."""
    low, high = score_bound(min_score), score_bound(max_score)
    where = queries.VerdictFilter(
        {"yes": True, "no": False}.get(flagged),
        pattern,
        low,
        high,
        platform,
        q,
        request.app.state.db.patterns_table,
    )
    rows, total = queries.account_rows(
        store, where, sort, order == "desc", (page_no - 1) * PAGE_SIZE, PAGE_SIZE
    )
    filters: dict[str, Any] = {
        "pattern": pattern,
        "platform": platform,
        "flagged": flagged,
        "min_score": low,
        "max_score": high,
        "q": q,
    }
    return page(
        request,
        "accounts.html",
        lang,
        rows=rows,
        total=total,
        filters=filters,
        sort=sort,
        order=order,
        page_no=page_no,
        pages=max(1, -(-total // PAGE_SIZE)),
        known_patterns=request.app.state.db.overview(store)["patterns"],
        platforms=sorted(request.app.state.db.overview(store)["platforms"]),
    )


@router.get("/accounts/{account}", response_class=HTMLResponse)
def account_page(request: Request, store: StoreDep, lang: LangDep, account: str) -> HTMLResponse:
    """One account: verdict, findings with evidence, the mirror's behaviour charts, posts,
    threads, campaigns, reviews."""
    detail = queries.account(store, account)
    if detail is None:
        return not_found(request, lang, account)
    mirrored = report_of(request, store, "charts", detail["key"])
    charts = None
    if isinstance(mirrored, MirrorReport):  # the mirror's own charts, drawn by its renderer
        charts = behaviour_charts(mirrored, lang, link_maker(lang)("/mirror/" + detail["key"]))
    return page(request, "account.html", lang, a=detail, charts=charts)


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, store: StoreDep, lang: LangDep) -> HTMLResponse:
    """Campaign clusters, largest first."""
    rows = request.app.state.db.campaign_list(store, 200)
    return page(request, "campaigns.html", lang, rows=rows)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request, store: StoreDep, lang: LangDep, campaign_id: str
) -> HTMLResponse:
    """One cluster: members, items, and its time line."""
    found = campaigns.campaign(store, campaign_id, request.app.state.db.campaign_items)
    if found is None:
        return not_found(request, lang, campaign_id)
    return page(request, "campaign.html", lang, c=found)


def _report_page(
    request: Request, store: Store, lang: Lang, kind: Literal["audit", "mirror"], account: str
) -> HTMLResponse:
    report = report_of(request, store, kind, account)
    if report is None:
        return not_found(request, lang, account)
    if isinstance(report, AuditReport):
        html = audit_html(report, lang)
    else:
        html = mirror_html(report, lang)
    nav = (
        templates(lang.code)
        .get_template("report_nav.html")
        .render(lang=lang, link=link_maker(lang), key=report.target.key, kind=kind)
    )
    html = html.replace("<main>", "<main>\n" + nav, 1)
    return HTMLResponse(html, headers={"Content-Security-Policy": csp(style_hashes(html))})


@router.get("/audit/{account}", response_class=HTMLResponse)
def audit_page(request: Request, store: StoreDep, lang: LangDep, account: str) -> HTMLResponse:
    """The audience audit: the same page ``tigerblood audit`` writes."""
    return _report_page(request, store, lang, "audit", account)


@router.get("/mirror/{account}", response_class=HTMLResponse)
def mirror_page(request: Request, store: StoreDep, lang: LangDep, account: str) -> HTMLResponse:
    """The mirror: the same page ``tigerblood mirror`` writes."""
    return _report_page(request, store, lang, "mirror", account)


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, store: StoreDep, lang: LangDep) -> HTMLResponse:
    """Decisions stored, latest first."""
    return page(request, "reviews.html", lang, rows=reviews.history(store, limit=500))
