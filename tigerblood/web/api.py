"""The JSON API under ``/api/v1``: the same query layer as the pages, as JSON.

Reads follow :func:`tigerblood.web.security.require_read`; the one write, ``POST /reviews``,
needs the bearer token. Errors are ``{"detail": ...}`` with 400 (a bad cursor), 401, 404, 422 or
429 (too many writes or wrong tokens from one client).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from tigerblood.reports.render import to_json
from tigerblood.reports.target import resolve
from tigerblood.store import Store
from tigerblood.web import campaigns, queries, reviews
from tigerblood.web.reports import Kind, report_of
from tigerblood.web.schemas import (
    AccountDetail,
    Campaign,
    Overview,
    Problem,
    Review,
    ReviewIn,
    Verdict,
    VerdictPage,
)
from tigerblood.web.security import require_read, require_token, throttle_writes
from tigerblood.web.templating import language


def store_of(request: Request) -> Iterator[Store]:
    """A store for this request (a cursor of the served database), closed after it."""
    with request.app.state.db.cursor() as store:
        yield store


StoreDep = Annotated[Store, Depends(store_of)]
AccountPath = Annotated[
    str, Path(max_length=300, description="platform:account_id, an account id or a handle")
]
Lang = Annotated[Literal["en", "fr"], Query(description="Language of worded fields.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_read)], tags=["api"])


def summary(request: Request, store: Store) -> dict[str, Any]:
    """The overview with the review counts (shared with the overview page)."""
    return {
        **request.app.state.db.overview(store),
        "reviews": reviews.counts(store),
        "review_queue": reviews.queue_size(store),
    }


@router.get("/overview", response_model=Overview)
def get_overview(request: Request, store: StoreDep) -> dict[str, Any]:
    """Accounts, flagged per pattern, score histogram, quarantine, campaigns, reviews."""
    return summary(request, store)


@router.get("/verdicts", response_model=VerdictPage, responses={400: {"model": Problem}})
def get_verdicts(
    request: Request,
    store: StoreDep,
    flagged: bool | None = None,
    pattern: Annotated[str | None, Query(max_length=64)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    platform: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of a handle or id.")] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Verdicts as ``scan`` writes them, highest score first; follow ``next`` for more."""
    patterns = request.app.state.db.patterns_table
    where = queries.VerdictFilter(flagged, pattern, min_score, max_score, platform, q, patterns)
    try:
        items, after = queries.verdicts(store, where, cursor, limit)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    return {"items": items, "next": after}


@router.get("/accounts/{account}", response_model=AccountDetail, responses=NOT_FOUND)
def get_account(store: StoreDep, account: AccountPath) -> dict[str, Any]:
    """An account's verdict, findings and evidence, posts, threads, campaigns and reviews."""
    detail = queries.account(store, account)
    if detail is None:
        raise HTTPException(404, "no such account in the store")
    return detail


@router.get("/campaigns", response_model=list[Campaign])
def get_campaigns(
    request: Request, store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """Campaign clusters, largest first, with their members' ids."""
    return request.app.state.db.campaign_list(store, limit)


@router.get("/campaigns/{campaign_id}", response_model=Campaign, responses=NOT_FOUND)
def get_campaign(
    request: Request, store: StoreDep, campaign_id: Annotated[str, Path(max_length=200)]
) -> dict[str, Any]:
    """One cluster: members with their verdicts, and its posts in time order."""
    found = campaigns.campaign(store, campaign_id, request.app.state.db.campaign_items)
    if found is None:
        raise HTTPException(404, "no such campaign")
    return found


def _report(request: Request, store: Store, kind: Kind, account: str, lang: str) -> Response:
    report = report_of(request, store, kind, account)
    if report is None:
        raise HTTPException(404, "no such account in the store")
    return Response(to_json(report, language(lang)), media_type="application/json")


REPORT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}},
    **NOT_FOUND,
}


@router.get("/audit/{account}", responses=REPORT, response_class=Response)
def get_audit(
    request: Request, store: StoreDep, account: AccountPath, lang: Lang = "en"
) -> Response:
    """The audience audit, as ``tigerblood audit --json`` prints it."""
    return _report(request, store, "audit", account, lang)


@router.get("/mirror/{account}", responses=REPORT, response_class=Response)
def get_mirror(
    request: Request, store: StoreDep, account: AccountPath, lang: Lang = "en"
) -> Response:
    """The mirror, as ``tigerblood mirror --json`` prints it."""
    return _report(request, store, "mirror", account, lang)


@router.get("/review-queue", response_model=list[Verdict])
def get_queue(
    store: StoreDep, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> list[dict[str, Any]]:
    """The next verdicts to review: flagged, undecided, highest score first."""
    return reviews.queue(store, limit)


@router.get("/reviews", response_model=list[Review])
def get_reviews(
    store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """Decisions stored, latest first."""
    return reviews.history(store, limit=limit)


@router.post(
    "/reviews",
    status_code=201,
    response_model=Review,
    dependencies=[Depends(throttle_writes), Depends(require_token)],
    responses={
        400: {"model": Problem},
        401: {"model": Problem},
        **NOT_FOUND,
        429: {"model": Problem, "description": "Too many writes or wrong tokens: retry later."},
    },
)
def post_review(request: Request, store: StoreDep, review: ReviewIn) -> dict[str, Any]:
    """Confirm, dismiss or skip an account's verdict (needs the bearer token; rate-limited
    per client, as wrong tokens are)."""
    target = resolve(store, review.account)
    if target is None:
        raise HTTPException(404, "no such account in the store")
    return reviews.record(
        store,
        target,
        review.decision,
        reviewer=review.reviewer or "api",
        note=review.note,
        model_version=request.app.state.db.model_version,
    )
