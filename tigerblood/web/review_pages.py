"""The review queue in the browser, and signing in with the token to use it.

Every form posts a CSRF token (:meth:`Guard.csrf` of the browser's session id) and is refused
(403) without the right one; deciding also needs a signed-in session (401 otherwise). After a
decision the browser is sent back to the queue (303, post/redirect/get), so reloading never
posts twice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tigerblood.reports.target import resolve
from tigerblood.web import reviews
from tigerblood.web.api import StoreDep
from tigerblood.web.pages import LangDep
from tigerblood.web.schemas import MAX_NOTE
from tigerblood.web.security import Guard, guard_of, require_read, set_session, throttle_writes
from tigerblood.web.templating import link_maker, page

router = APIRouter(dependencies=[Depends(require_read)], include_in_schema=False)
GuardDep = Annotated[Guard, Depends(guard_of)]


def check_csrf(
    request: Request, guard: GuardDep, csrf: Annotated[str, Form(max_length=128)]
) -> None:
    """Refuse a form whose CSRF token is not this browser's (a FastAPI dependency)."""
    if not guard.csrf_ok(request.state.sid, csrf):
        raise HTTPException(403, "the form's CSRF token is missing or stale: reload the page")


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    store: StoreDep,
    lang: LangDep,
    guard: GuardDep,
    last: str | None = None,
    decision: str | None = None,
) -> HTMLResponse:
    """The next flagged account nobody has decided on, with its evidence and the decision form."""
    upcoming, left = reviews.next_up(store)
    return page(
        request,
        "review.html",
        lang,
        v=upcoming,
        left=left,
        last=last if last and resolve(store, last) else None,
        last_decision=decision if decision in reviews.DECISIONS else None,
        max_note=MAX_NOTE,
        signed_in=guard.reviewer(request) is not None,
    )


@router.post("/review", dependencies=[Depends(throttle_writes), Depends(check_csrf)])
def review_decide(
    request: Request,
    store: StoreDep,
    lang: LangDep,
    guard: GuardDep,
    account: Annotated[str, Form(max_length=300)],
    decision: Annotated[reviews.Decision, Form()],
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> RedirectResponse:
    """Store the decision, then show the next account."""
    reviewer = guard.reviewer(request)
    if reviewer is None:
        raise HTTPException(401, "sign in with the token first (/login)")
    target = resolve(store, account)
    if target is None:
        raise HTTPException(404, "no such account in the store")
    reviews.record(
        store,
        target,
        decision,
        reviewer=reviewer,
        note=note.strip() or None,
        model_version=request.app.state.db.model_version,
    )
    to = link_maker(lang)("/review", last=target.key, decision=decision)
    return RedirectResponse(to, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: LangDep, failed: bool = False) -> HTMLResponse:
    """Sign in with the server's token to review."""
    return page(request, "login.html", lang, failed=failed)


@router.post("/login", dependencies=[Depends(throttle_writes), Depends(check_csrf)])
def login(
    request: Request,
    lang: LangDep,
    guard: GuardDep,
    token: Annotated[str, Form(max_length=512)],
    reviewer: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    """Check the token; on success a new session id (never the one sent before signing in).
    Wrong tokens count against the client (429 after too many)."""
    link = link_maker(lang)
    if not guard.check_token(request, token):
        return RedirectResponse(link("/login", failed="true"), status_code=303)
    sid = guard.sign_in(reviewer.strip() or "web")
    response = RedirectResponse(link("/review"), status_code=303)
    set_session(response, sid, request.url.scheme == "https")
    return response


@router.post("/logout", dependencies=[Depends(throttle_writes), Depends(check_csrf)])
def logout(request: Request, lang: LangDep) -> RedirectResponse:
    """Forget this browser's session."""
    request.app.state.guard.sessions.pop(request.state.sid, None)
    return RedirectResponse(link_maker(lang)("/"), status_code=303)
