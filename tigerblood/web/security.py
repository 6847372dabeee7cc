"""Who may read and write, CSRF on forms, and the headers every response carries.

- Writes (reviews) need the bearer token: ``Authorization: Bearer …`` for the API; a browser
  signs in once with the token on ``/login`` and gets a session cookie (HttpOnly, SameSite=Strict)
  because an HTML form cannot send a header.
- Reads are open when the server listens on a loopback address, and need the token (or a
  session) otherwise: a verdict names people.
- Forms carry a CSRF token: an HMAC of the browser's session id under a secret made at start-up,
  so a page on another site cannot post a decision with the user's cookie.
- Every response gets a strict Content-Security-Policy (no script at all, styles from our own
  origin or the reports' own hashed ``<style>``), and the Host header is checked by Starlette's
  TrustedHostMiddleware (in ``app.py``) so a DNS-rebinding page cannot read a localhost server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

SESSION_COOKIE = "tb_session"
CSP = (
    "default-src 'none'; style-src 'self'{styles}; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
MAX_SESSIONS = 10_000
"""Sessions kept in memory; the oldest go first (a restart signs everyone out anyway)."""


@dataclass
class Guard:
    """The token, the CSRF secret and the signed-in sessions of one running server."""

    token: str
    open_reads: bool = True
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sessions: dict[str, str] = field(default_factory=dict)
    """Session id -> reviewer name, for browsers signed in with the token."""

    def token_ok(self, offered: str | None) -> bool:
        """Whether ``offered`` is the token (compared in constant time)."""
        return offered is not None and hmac.compare_digest(offered.encode(), self.token.encode())

    def csrf(self, sid: str) -> str:
        """The CSRF token of a session id."""
        return hmac.new(self.secret, sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, offered: str | None) -> bool:
        """Whether a form's CSRF token belongs to this browser's session id."""
        return offered is not None and hmac.compare_digest(self.csrf(sid), offered)

    def sign_in(self, reviewer: str) -> str:
        """A fresh session id for a browser that gave the token (never the one it had)."""
        while len(self.sessions) >= MAX_SESSIONS:
            del self.sessions[next(iter(self.sessions))]
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = reviewer
        return sid

    def reviewer(self, request: Request) -> str | None:
        """The signed-in reviewer of this browser, if any."""
        return self.sessions.get(request.state.sid)


def guard_of(request: Request) -> Guard:
    """The running server's :class:`Guard` (a FastAPI dependency)."""
    guard: Guard = request.app.state.guard
    return guard


bearer = HTTPBearer(auto_error=False, description="The token given to `tigerblood serve`.")


def require_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    guard: Guard = Depends(guard_of),  # noqa: B008
) -> None:
    """Refuse (401) an API write without the right bearer token."""
    if credentials is None or not guard.token_ok(credentials.credentials):
        raise HTTPException(
            status_code=401,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_read(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    guard: Guard = Depends(guard_of),  # noqa: B008
) -> None:
    """Let reads through on a loopback server; elsewhere they need the token or a session."""
    if guard.open_reads or guard.reviewer(request) is not None:
        return
    require_token(credentials, guard)


def style_hashes(html: str) -> list[str]:
    """CSP sources for the inline ``<style>`` blocks of a page (the reports carry one)."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    ]


def csp(styles: list[str] | None = None) -> str:
    """The Content-Security-Policy, allowing these hashed inline styles besides our own."""
    return CSP.format(styles="".join(" " + s for s in styles or []))


Call = Callable[[Request], Awaitable[Response]]


async def headers_and_session(request: Request, call_next: Call) -> Response:
    """Give every browser a session id (cookie) and every response the security headers.

    A handler may set its own CSP (a report page adds its style's hash); others get the default.
    """
    sid = request.cookies.get(SESSION_COOKIE)
    fresh = sid is None or len(sid) > 64
    request.state.sid = secrets.token_urlsafe(32) if fresh else sid
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", csp())
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if fresh and "set-cookie" not in response.headers:
        set_session(response, request.state.sid, request.url.scheme == "https")
    return response


def set_session(response: Response, sid: str, secure: bool) -> None:
    """The session cookie: not readable by scripts, never sent by another site's request."""
    response.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=secure, path="/"
    )
