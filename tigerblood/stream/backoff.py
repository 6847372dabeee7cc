"""Reconnecting to a live feed: full-jitter exponential backoff, bounded, stoppable.

Shared by the Jetstream and Mastodon feeds so both fail the same way. Full jitter (a delay drawn
from ``[0, min(max_s, base_s * 2**n)]``) keeps many clients that lost the same server from coming
back in step; the bound (``max_reconnects`` failures in a row, with no message between them)
turns a feed that is gone into a clear error instead of a silent retry loop.

Example::

    backoff = Backoff("Jetstream", base_s=1.0, max_s=60.0, max_reconnects=5, stop=stop)
    backoff.failed(url, "ConnectionClosedError: ...", "from cursor 1741...")  # waits, or raises
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class StreamSourceError(RuntimeError):
    """The feed gave up: the message names the URL and the last cause."""


IDLE = b""
"""What a live feed asked for ``idle_ticks`` yields when a receive waited its poll time with
nothing: no feed sends an empty message, and a consumer that cuts batches by time (``watch``)
gets the chance to flush on a quiet feed instead of waiting for the next message."""


@dataclass
class Backoff:
    """The wait before each reconnect, and when to give up (see the module docstring)."""

    feed: str
    """How the feed is named in messages (``Jetstream``, ``Mastodon``)."""
    base_s: float = 1.0
    max_s: float = 60.0
    max_reconnects: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    log: logging.Logger = field(default_factory=lambda: logging.getLogger(__name__))
    action: str = "reconnecting"
    """What the wait comes before, in the log (``retrying`` for a sink's delivery)."""
    attempt: int = 0
    """Reconnects since the last connection that brought a message."""

    def succeeded(self) -> None:
        """A message arrived: the next failure starts the backoff over."""
        self.attempt = 0

    def failed(self, url: str, problem: str, resume: str, wait_s: float | None = None) -> None:
        """Wait before reconnecting to ``url`` (waking early on ``stop``), or raise
        :class:`StreamSourceError` when ``max_reconnects`` failures came in a row. ``wait_s``:
        the wait the other side asked for (an HTTP ``Retry-After``), taken instead of the
        drawn one, never above ``max_s``."""
        if self.max_reconnects is not None and self.attempt >= self.max_reconnects:
            raise StreamSourceError(
                f"{self.feed} {url}: the connection failed {self.attempt + 1} time(s) in a row "
                f"(max_reconnects={self.max_reconnects}); last error: {problem}"
            )
        if wait_s is not None:
            delay = min(self.max_s, max(wait_s, 0.0))
        else:
            delay = self.rand() * min(self.max_s, self.base_s * 2**self.attempt)
        self.log.warning(
            "%s %s: %s; %s in %.1f s %s", self.feed, url, problem, self.action, delay, resume
        )
        self.attempt += 1
        if self.sleep is time.sleep:
            self.stop.wait(delay)
        else:
            self.sleep(delay)
