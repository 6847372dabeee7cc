"""Who may read and write, CSRF on forms, and the headers every response carries.

- Writes (reviews) need the bearer token: ``Authorization: Bearer …`` for the API; a browser
  signs in once with the token on ``/login`` and gets a session cookie (HttpOnly, SameSite=Strict)
  because an HTML form cannot send a header.
- Reads are open when the server listens on a loopback address, and need the token (or a
  session) otherwise: a verdict names people.
- Forms carry a CSRF token: an HMAC of the browser's session id under a secret made at start-up,
  so a page on another site cannot post a decision with the user's cookie.
- Writes and failed token attempts are rate-limited per client address (:class:`Throttle`):
  a reviewer decides at most a few times a second, and guessing the token is slowed to a crawl;
  either over its limit answers 429 with ``Retry-After``. Behind a reverse proxy every client
  shares the proxy's address, so the proxy should limit instead.
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
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

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


WRITES_PER_MINUTE = 120
"""Writes (decisions, sign-ins) a client may make in a minute: a quick reviewer makes one every
few seconds; a script looping over the API is stopped."""
FAILURES_PER_MINUTE = 10
"""Wrong tokens a client may offer in a minute before it is refused without being checked."""


class Throttle:
    """At most ``limit`` events per ``window`` seconds per client, in memory: a moving window
    from the ``limits`` package (the rate limiter behind Flask-Limiter and SlowAPI)."""

    def __init__(self, limit: int, window: int = 60) -> None:
        self.item = RateLimitItemPerSecond(limit, window)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _wait(self, client: str) -> float:
        reset = self.limiter.get_window_stats(self.item, client).reset_time
        return max(reset - time.time(), 0.001)

    def wait(self, client: str) -> float:
        """Seconds ``client`` must wait before its next event counts (0: it may go now)."""
        return 0.0 if self.limiter.test(self.item, client) else self._wait(client)

    def hit(self, client: str) -> float:
        """Count one event of ``client``; returns :meth:`wait` as it was before it."""
        return 0.0 if self.limiter.hit(self.item, client) else self._wait(client)

    def seen(self, client: str) -> int:
        """Events of ``client`` in the current window."""
        stats = self.limiter.get_window_stats(self.item, client)
        return self.item.amount - stats.remaining


def client_of(request: Request) -> str:
    """The address a limit counts against."""
    return request.client.host if request.client else "unknown"


def too_many(wait: float) -> HTTPException:
    """429, saying when to come back."""
    return HTTPException(
        status_code=429,
        detail="too many requests: slow down",
        headers={"Retry-After": str(max(1, round(wait)))},
    )


@dataclass
class Guard:
    """The token, the CSRF secret and the signed-in sessions of one running server."""

    token: str
    open_reads: bool = True
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sessions: dict[str, str] = field(default_factory=dict)
    """Session id -> reviewer name, for browsers signed in with the token."""
    writes: Throttle = field(default_factory=lambda: Throttle(WRITES_PER_MINUTE))
    failures: Throttle = field(default_factory=lambda: Throttle(FAILURES_PER_MINUTE))

    def check_token(self, request: Request, offered: str | None) -> bool:
        """Whether ``offered`` is the token, counting a wrong one against the client; 429 once
        the client has offered too many wrong ones (then not even checked)."""
        client = client_of(request)
        wait = self.failures.wait(client)
        if wait:
            raise too_many(wait)
        if self.token_ok(offered):
            return True
        self.failures.hit(client)
        return False

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


def throttle_writes(request: Request, guard: Guard = Depends(guard_of)) -> None:  # noqa: B008
    """Refuse (429) a write from a client over :data:`WRITES_PER_MINUTE` (a dependency of
    every POST)."""
    wait = guard.writes.hit(client_of(request))
    if wait:
        raise too_many(wait)


def require_token(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    guard: Guard = Depends(guard_of),  # noqa: B008
) -> None:
    """Refuse (401) an API write without the right bearer token (429 after too many wrong
    ones from the same client)."""
    offered = credentials.credentials if credentials is not None else None
    if offered is None or not guard.check_token(request, offered):
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
    require_token(request, credentials, guard)


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
