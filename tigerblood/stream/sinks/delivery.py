"""POSTing JSON to a receiver from a background thread, with retries, never holding up the feed.

A webhook or a labeler can be down, slow, or answer 5xx for minutes; the feed cannot wait for it
(Jetstream does not slow down). So a change is put on a bounded queue and the caller returns at
once; one thread delivers them in order. When the queue is full the change is dropped and
counted (the feed goes on; the count says the receiver fell behind). A failure that may pass (a
refused or timed-out connection, 408, 425, 429, 5xx) is retried with the feeds' own full-jitter
exponential backoff (:class:`tigerblood.stream.backoff.Backoff`); one that will not (another 4xx:
a bad URL or token, a payload refused) is counted failed at once. Each request carries an
``Idempotency-Key`` so a receiver can recognise a retried delivery it already took.

A 429 or 503 may say when to come back (``Retry-After``, seconds or an HTTP date): that wait is
taken instead of the drawn one, capped by the maximum backoff. A receiver that rate-limits us
and is retried sooner than it asked only answers 429 again (and may ban the token), while one
asking for an hour must not park the queue for an hour: past the cap the usual retries run, and
the change is counted failed if they run out. The wait is the delivery thread's, never the feed's.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping

import httpx

from tigerblood.stream.backoff import Backoff, StreamSourceError
from tigerblood.stream.sinks.base import SinkStats

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 425, 429})
"""4xx answers that mean "not now" rather than "never"; every 5xx is retried too."""

RETRY_AFTER_STATUS = frozenset({429, 503})
"""Answers whose ``Retry-After`` says when to try again (RFC 9110 §10.2.3, RFC 6585 §4)."""

POLL_S = 0.1
"""How often the idle delivery thread looks whether it is asked to finish."""


class Delivery:
    """One receiver's queue and delivery thread (see the module docstring).

    ``retries`` bounds the attempts after the first (0: no retry); the wait before retry ``n`` is
    drawn from ``[0, min(backoff_max_s, backoff_base_s * 2**n)]``.
    """

    def __init__(
        self,
        name: str,
        url: str,
        stats: SinkStats,
        *,
        headers: Mapping[str, str] | None = None,
        queue_size: int = 1000,
        timeout_s: float = 5.0,
        retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.name, self.url, self.stats = name, url, stats
        self.queue: queue.Queue[tuple[bytes, str]] = queue.Queue(maxsize=max(queue_size, 1))
        self.finish = threading.Event()
        """Set by :meth:`close`: deliver what is queued, then stop."""
        self.stop = threading.Event()
        """Set by :meth:`close` when time is up: stop waiting, drop what is left."""
        self.backoff = Backoff(
            name, backoff_base_s, backoff_max_s, retries, self.stop, time.sleep, rand, log
        )
        self.backoff.action = "retrying"
        self.client = httpx.Client(
            timeout=timeout_s,
            headers={"content-type": "application/json", **(headers or {})},
            follow_redirects=False,
        )
        self.timeout_s = timeout_s
        self.thread = threading.Thread(target=self._run, name=f"tigerblood-{name}", daemon=True)
        self.thread.start()

    def put(self, body: bytes, idempotency_key: str) -> None:
        """Queue ``body`` for delivery; when the queue is full, count it dropped. Never blocks."""
        try:
            self.queue.put_nowait((body, idempotency_key))
        except queue.Full:
            self.stats.dropped += 1
            if self.stats.dropped in (1, 10, 100) or self.stats.dropped % 1000 == 0:
                log.warning(
                    "%s %s: delivery queue full (%d); %d change(s) dropped so far",
                    self.name,
                    self.url,
                    self.queue.maxsize,
                    self.stats.dropped,
                )
        self.stats.queued = self.queue.qsize()

    def close(self, timeout_s: float) -> None:
        """Deliver what is queued within ``timeout_s``; then stop, counting the rest dropped."""
        self.finish.set()
        self.thread.join(timeout_s)
        if self.thread.is_alive():
            self.stop.set()  # ends a backoff wait at once; a request in flight runs its timeout
            self.thread.join(min(self.timeout_s, 1.0) + POLL_S)
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
            self.stats.dropped += 1
        self.stats.queued = 0
        if not self.thread.is_alive():
            self.client.close()

    # -- the delivery thread -----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                body, key = self.queue.get(timeout=POLL_S)
            except queue.Empty:
                if self.finish.is_set():
                    return
                continue
            self._deliver(body, key)
            self.stats.queued = self.queue.qsize()

    def _deliver(self, body: bytes, key: str) -> None:
        self.backoff.succeeded()  # each change gets its own retries
        while not self.stop.is_set():
            problem, again, wait_s = self._post(body, key)
            if problem is None:
                self.stats.emitted += 1
                return
            if again:
                try:
                    resume = f"({self.stats.queued} queued)"
                    self.backoff.failed(self.url, problem, resume, wait_s)
                except StreamSourceError:
                    pass  # every retry failed: counted below
                else:
                    if not self.stop.is_set():
                        self.stats.retries += 1
                    continue
            self.stats.failed += 1
            self.stats.last_error = problem
            log.warning("%s %s: gave up on a change: %s", self.name, self.url, problem)
            return
        self.stats.dropped += 1  # time was up before it could be delivered

    def _post(self, body: bytes, key: str) -> tuple[str | None, bool, float | None]:
        """None when delivered, else what went wrong, whether trying again may help, and the
        wait the receiver asked for (``Retry-After`` of a 429 or 503), if it did."""
        try:
            response = self.client.post(self.url, content=body, headers={"idempotency-key": key})
        except httpx.TransportError as error:  # refused, reset, timed out: may pass
            return f"{type(error).__name__}: {error}", True, None
        status = response.status_code
        if 200 <= status < 300:
            return None, False, None
        text = f"HTTP {status} {response.reason_phrase}".strip()
        wait_s = None
        if status in RETRY_AFTER_STATUS:
            wait_s = retry_after_s(response.headers.get("retry-after"), time.time())
            if wait_s is not None:
                text += f" (Retry-After {wait_s:.0f} s)"
        return text, status >= 500 or status in RETRY_STATUS, wait_s


def retry_after_s(value: str | None, now_s: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header at Unix time ``now_s``: a number of
    seconds, or an HTTP date (a date past is no wait); None when absent or unreadable.

    >>> retry_after_s("120", 0.0), retry_after_s("Thu, 01 Jan 1970 00:01:00 GMT", 15.0)
    (120.0, 45.0)
    >>> retry_after_s("soon", 0.0) is None, retry_after_s("-3", 0.0) is None
    (True, True)
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now_s)
