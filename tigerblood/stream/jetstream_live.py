"""The live Bluesky source: Jetstream's events as raw messages, resumable without loss or repeats.

Jetstream (github.com/bluesky-social/jetstream) re-serves the AT Protocol firehose as plain JSON,
one event per websocket text message (commits, identity and account changes), filtered server-side
by ``wantedCollections``. Every event carries ``time_us``, the instance's microsecond clock at
ingest, which doubles as the replay cursor: connecting with ``cursor=T`` replays the buffered
events from ``T`` on, then goes live. Long-lived connections drop (deploys, idle proxies, network
blips), so the feed remembers the last ``time_us`` it yielded, reconnects with full-jitter backoff
(many clients retrying in lockstep would hammer a recovering server) and resumes from there: no
event is lost, and the ones the server sends again are skipped, so none is counted twice. That
cursor is what the stream path checkpoints with its state (DESIGN §3.6).

Messages are yielded as bytes and parsed no further than ``time_us``: a malformed one is the
consumer's to quarantine (DESIGN §4), never a reason to stop the feed.

>>> subscribe_url("wss://host/subscribe", cursor=17, collections=["app.bsky.feed.post"])
'wss://host/subscribe?wantedCollections=app.bsky.feed.post&cursor=17'
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import urlencode

import orjson
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import CloseCode
from websockets.sync.client import connect
from websockets.uri import parse_uri

from tigerblood.ingest.jsonio import MAX_RECORD_BYTES
from tigerblood.stream.backoff import IDLE, Backoff, StreamSourceError

DEFAULT_URL = "wss://jetstream2.us-east.bsky.network/subscribe"
DEFAULT_COLLECTIONS = (
    "app.bsky.feed.post",
    "app.bsky.feed.repost",
    "app.bsky.graph.follow",
    "app.bsky.actor.profile",
)
"""What the detectors read: posts, reposts, follows, profiles (not likes, most of the volume)."""

POLL_SECONDS = 1.0
"""The longest a receive blocks, so a set ``stop`` is noticed on a quiet stream within a second."""

CLOSE_SECONDS = 1.0
"""How long leaving waits for the closing handshake: with its buffer full, websockets stops reading
the socket, so it cannot see the server's reply and would wait out its 10 s default."""

log = logging.getLogger(__name__)


def subscribe_url(base: str, *, cursor: int | None, collections: Sequence[str]) -> str:
    """``base`` with Jetstream's query: one ``wantedCollections`` per collection, then ``cursor``.

    No collections means every collection; no cursor means live from now.

    >>> subscribe_url("wss://h/subscribe?compress=false", cursor=None, collections=["a.b", "c.*"])
    'wss://h/subscribe?compress=false&wantedCollections=a.b&wantedCollections=c.%2A'
    """
    params = [("wantedCollections", name) for name in collections]
    if cursor is not None:
        params.append(("cursor", str(cursor)))
    if not params:
        return base
    return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"


def _time_us(message: bytes) -> int | None:
    """The event's ``time_us``, or None when the message is not a JSON object carrying one."""
    try:
        event = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    value = event.get("time_us") if isinstance(event, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _hard(exc: Exception) -> str | None:
    """Why retrying cannot help, or None when a reconnect might."""
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        if 400 <= status < 500 and status not in (408, 429):  # a bad path or query stays bad
            return f"the server refused the subscription with HTTP {status}"
    sent = exc.sent if isinstance(exc, ConnectionClosed) else None
    if sent is not None and sent.code == CloseCode.MESSAGE_TOO_BIG:
        # Resuming from the cursor would fetch the same oversized message again.
        return f"a message over the {MAX_RECORD_BYTES}-byte limit"
    return None


class JetstreamFeed:
    """Iterate over Jetstream messages (bytes); ``cursor`` is the last ``time_us`` yielded.

    ``cursor`` also means "already consumed" on the way in: an event at exactly the cursor is
    skipped, so the checkpointed ``feed.cursor`` of a previous run resumes it without repeats (on
    the same instance: each has its own clock). ``max_reconnects`` bounds the reconnects in a row
    with no event yielded between them (None: no bound; 0: a single connection). ``stop`` ends
    the iteration cleanly; ``sleep`` and ``rand`` let tests observe the backoff.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        cursor: int | None = None,
        collections: Sequence[str] = DEFAULT_COLLECTIONS,
        max_reconnects: int | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        open_timeout: float = 10.0,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        idle_ticks: bool = False,
    ) -> None:
        parse_uri(url)  # a malformed URL (InvalidURI) fails here: no retry could fix it
        self.url, self.cursor, self.collections = url, cursor, tuple(collections)
        self.open_timeout = open_timeout
        self.stop = stop if stop is not None else threading.Event()
        self.backoff = Backoff(
            "Jetstream", backoff_base, backoff_max, max_reconnects, self.stop, sleep, rand, log
        )
        self.connections = self.reconnects = 0
        self.idle_ticks = idle_ticks

    def __iter__(self) -> Iterator[bytes]:
        while not self.stop.is_set():
            url = subscribe_url(self.url, cursor=self.cursor, collections=self.collections)
            try:
                self.connections += 1
                with connect(
                    url,
                    open_timeout=self.open_timeout,
                    close_timeout=CLOSE_SECONDS,
                    max_size=MAX_RECORD_BYTES,
                ) as ws:
                    while not self.stop.is_set():
                        try:
                            message = ws.recv(timeout=POLL_SECONDS, decode=False)
                        except TimeoutError:  # idle: look at ``stop`` again
                            if self.idle_ticks:
                                yield IDLE
                            continue
                        stamp = _time_us(message)
                        # Jetstream's time_us is monotonic per instance (it keys the replay
                        # buffer), so anything at or before the last one yielded is a replay.
                        if stamp is not None and self.cursor is not None and stamp <= self.cursor:
                            continue
                        if stamp is not None:
                            self.cursor = stamp
                        self.backoff.succeeded()
                        yield message
                    return
            except (ConnectionClosed, OSError, TimeoutError, InvalidHandshake) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                if (hard := _hard(exc)) is not None:
                    raise StreamSourceError(f"Jetstream {url}: {hard} ({problem})") from exc
            self.reconnects += 1
            self.backoff.failed(url, problem, f"from cursor {self.cursor}")


def jetstream_messages(
    url: str = DEFAULT_URL,
    *,
    cursor: int | None = None,
    collections: Sequence[str] = DEFAULT_COLLECTIONS,
    max_reconnects: int | None = None,
    backoff_base: float = 1.0,
    backoff_max: float = 60.0,
    open_timeout: float = 10.0,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
    idle_ticks: bool = False,
) -> Iterator[bytes]:
    """Jetstream messages as bytes, reconnecting and resuming forever unless bounded or stopped.

    With ``idle_ticks``, :data:`IDLE` comes each time a second passes with no message. Use
    :class:`JetstreamFeed` directly to read the cursor for a checkpoint.
    """
    return iter(
        JetstreamFeed(
            url,
            cursor=cursor,
            collections=collections,
            max_reconnects=max_reconnects,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            open_timeout=open_timeout,
            stop=stop,
            sleep=sleep,
            idle_ticks=idle_ticks,
        )
    )
