"""A polite JSON-over-HTTP client for the public platform APIs: rate limits, retries, limits.

Public endpoints are shared by everyone who reads them and throttle per IP, so a collector must
slow down when told (the ``ratelimit-*`` headers of Bluesky, ``X-RateLimit-*`` of Mastodon, a 429's
``Retry-After``), back off with full jitter when the server struggles (5xx, dropped connections:
randomised waits stop many clients from retrying in lockstep), and stop with an error naming the
URL when retrying no longer helps. Collection resumes from its checkpoint, so failing is cheap.

>>> parse_wait("2", now=0.0), parse_wait("1700000060", now=1_700_000_000.0)
(2.0, 60.0)
>>> parse_wait("2024-11-03T12:05:00Z", now=1730635440.0)
60.0
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson


def _version() -> str:
    try:
        return version("tigerblood")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"


USER_AGENT = f"tigerblood/{_version()} (public-data collector; httpx/{httpx.__version__})"
"""Names the tool to server operators, who can then tell a research crawler from an attack."""

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth retrying: timeouts, throttling and overload pass; a 400 or 404 never does."""

_REMAINING = ("ratelimit-remaining", "x-ratelimit-remaining")
_RESET = ("ratelimit-reset", "x-ratelimit-reset")


class CollectError(Exception):
    """A request that failed for good; the message names the URL and the last cause.

    ``status`` is the HTTP status when the server answered (a caller may skip a 404), and
    ``report`` is filled in by the collectors with what the run did before it failed.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.report: Any = None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Defaults suit the public APIs; tests shrink the waits."""

    max_retries: int = 5
    backoff_base: float = 1.0
    """Seconds; attempt ``n`` waits a uniform random time in ``[0, base * 2**n]`` (capped)."""
    backoff_cap: float = 60.0
    max_wait: float = 600.0
    """The longest wait a server may ask for; a longer one fails now (a rerun resumes later)."""
    timeout: float = 30.0
    max_response_bytes: int = 32 << 20
    """No page of these APIs comes near 32 MiB; a larger body is refused rather than held."""


@dataclass(frozen=True)
class Response:
    """A parsed JSON body, its URL, and the ``Link: rel="next"`` target as path + query."""

    url: str
    data: Any
    next_url: str | None = None


def parse_wait(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` or rate-limit reset value, or None if unreadable.

    Accepts delta seconds (``"2"``, ``"0.1"``), Unix epoch seconds (Bluesky's reset), ISO 8601
    (Mastodon's reset) and HTTP dates (``Retry-After``). Never negative.
    """
    if value is None or not value.strip():
        return None
    now = time.time() if now is None else now
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return max(0.0, number - now if number > 1e9 else number)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


def _first(headers: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((headers[name] for name in names if name in headers), None)


def _snippet(body: bytes) -> str:
    """The API's own error message when the body is a JSON error, else the body's start."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:200].decode("utf-8", "replace").strip()
    if isinstance(data, dict) and ("error" in data or "message" in data):
        parts = (data.get("error"), data.get("message"))
        return ": ".join(str(p) for p in parts if p)
    return body[:200].decode("utf-8", "replace")


class HttpClient:
    """GET JSON from one API host, honouring its rate limits and retrying what can pass.

    ``requests``, ``retries`` and ``waited`` (seconds slept) count what happened, for reports.
    """

    def __init__(
        self,
        base_url: str,
        policy: RetryPolicy | None = None,
        *,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._sleep, self._rand = sleep, rand
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=self.policy.timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )
        self._resume_at = 0.0  # monotonic time before which the server asked us not to call
        self.requests = self.retries = 0
        self.waited = 0.0

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        """GET ``path`` (relative to the base URL; may carry its own query) and parse JSON."""
        request = self._client.build_request("GET", path, params=params)
        url = str(request.url)
        problem = "no attempt made"
        attempts = self.policy.max_retries + 1
        status: int | None = None
        for attempt in range(attempts):
            self._pace()
            wait: float | None = None
            status = None
            try:
                status, headers, body, next_url = self._fetch(request)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                self._note_limits(headers)
                if 200 <= status < 300:
                    return self._parse(url, body, next_url)
                problem = f"HTTP {status} {httpx.codes.get_reason_phrase(status)}: {_snippet(body)}"
                if status not in RETRY_STATUS:
                    raise CollectError(f"GET {url}: {problem}", status)
                wait = parse_wait(headers.get("retry-after"))
                if wait is None and status == 429:
                    wait = parse_wait(_first(headers, _RESET))
            if attempt + 1 == attempts:
                break
            delay = self._backoff(attempt) if wait is None else wait
            if delay > self.policy.max_wait:
                raise CollectError(
                    f"GET {url}: {problem}; the server asks for a {delay:.0f} s wait, over the "
                    f"{self.policy.max_wait:.0f} s limit: run again later to resume",
                    status,
                )
            self.retries += 1
            self._wait(delay)
        raise CollectError(f"GET {url} failed after {attempts} attempts: {problem}", status)

    def _fetch(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes, str | None]:
        """One attempt: status, headers, the body (size-capped) and the next-page link."""
        self.requests += 1
        limit = self.policy.max_response_bytes
        response = self._client.send(request, stream=True)
        try:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise CollectError(f"GET {request.url}: response over the {limit}-byte limit")
                chunks.append(chunk)
        finally:
            response.close()
        link = response.links.get("next", {}).get("url")
        return response.status_code, response.headers, b"".join(chunks), _relative(link)

    @staticmethod
    def _parse(url: str, body: bytes, next_url: str | None) -> Response:
        try:
            return Response(url, orjson.loads(body), next_url)
        except orjson.JSONDecodeError as exc:
            raise CollectError(f"GET {url}: the response is not JSON ({exc})") from None

    def _note_limits(self, headers: httpx.Headers) -> None:
        """When the window is spent, hold the next request until the server's reset time."""
        remaining = _first(headers, _REMAINING)
        try:
            spent = remaining is not None and int(float(remaining)) <= 0
        except ValueError:
            spent = False
        wait = parse_wait(_first(headers, _RESET)) if spent else None
        if wait:
            self._resume_at = time.monotonic() + min(wait, self.policy.max_wait)

    def _pace(self) -> None:
        delay = self._resume_at - time.monotonic()
        if delay > 0:
            self._wait(delay)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in ``[0, min(cap, base * 2**attempt)]``."""
        ceiling = min(self.policy.backoff_cap, self.policy.backoff_base * 2**attempt)
        return self._rand() * ceiling

    def _wait(self, seconds: float) -> None:
        self.waited += seconds
        self._sleep(seconds)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _relative(url: str | None) -> str | None:
    """A next-page URL as path + query, so it is always fetched from our own base URL."""
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
