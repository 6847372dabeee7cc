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
consumer's to quarantine (DESIGN §4), never a reason to stop the feed. Nor is an oversized one.
The websocket refuses a message over ``max_message_bytes`` (memory stays bounded: a frame's
length is checked before its payload is read) by closing the connection, and resuming from the
cursor would bring the same message again, so the feed takes a detour from the last good cursor:

1. reconnect allowing up to ``read_limit_bytes`` for this one connection, read the message, and
   yield its head (``max_message_bytes + 1`` bytes, which the decoder quarantines as too long,
   with its place, exactly as a capture's overlong line), its ``time_us`` read from the head;
2. a message over even that: reconnect asking Jetstream to leave out messages over the limit
   (its ``maxMessageSizeBytes`` query parameter) and report the skip to ``on_skip`` as a
   quarantine row naming the place (between the last good ``time_us`` and the next);
3. a server that does not leave it out: then, and only then, a clear error naming the cursor.

Either way, once the cursor has moved past the message, the feed reconnects with the usual limit
(from the cursor plus one microsecond when the message read was the oversized one, since
Jetstream sends the event at the cursor again, and it would not fit).

>>> subscribe_url("wss://host/subscribe", cursor=17, collections=["app.bsky.feed.post"])
'wss://host/subscribe?wantedCollections=app.bsky.feed.post&cursor=17'
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
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

READ_LIMIT_FACTOR = 8
"""A detour reads a message up to this many times ``max_message_bytes`` (64 MiB by default)."""

HEAD_BYTES = 4096
"""Where an oversized message's ``time_us`` is looked for: Jetstream writes it second, after the
DID, so it is near the start, before any record content that could hold the same key."""

CLOSE_SECONDS = 1.0
"""How long leaving waits for the closing handshake: with its buffer full, websockets stops reading
the socket, so it cannot see the server's reply and would wait out its 10 s default."""

log = logging.getLogger(__name__)


def subscribe_url(
    base: str,
    *,
    cursor: int | None,
    collections: Sequence[str],
    max_message_bytes: int | None = None,
) -> str:
    """``base`` with Jetstream's query: one ``wantedCollections`` per collection, then ``cursor``,
    then ``maxMessageSizeBytes`` (Jetstream leaves out messages over it) when given.

    No collections means every collection; no cursor means live from now.

    >>> subscribe_url("wss://h/subscribe?compress=false", cursor=None, collections=["a.b", "c.*"])
    'wss://h/subscribe?compress=false&wantedCollections=a.b&wantedCollections=c.%2A'
    >>> subscribe_url("wss://h/subscribe", cursor=5, collections=[], max_message_bytes=1024)
    'wss://h/subscribe?cursor=5&maxMessageSizeBytes=1024'
    """
    params = [("wantedCollections", name) for name in collections]
    if cursor is not None:
        params.append(("cursor", str(cursor)))
    if max_message_bytes is not None:
        params.append(("maxMessageSizeBytes", str(max_message_bytes)))
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


_HEAD_TIME_US = re.compile(rb'"time_us"\s*:\s*(\d+)')


def _head_time_us(message: bytes) -> int | None:
    """The ``time_us`` of a message too long to parse, read off its start."""
    found = _HEAD_TIME_US.search(message, 0, HEAD_BYTES)
    return int(found.group(1)) if found else None


def _hard(exc: Exception) -> str | None:
    """Why retrying cannot help, or None when a reconnect might."""
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        if 400 <= status < 500 and status not in (408, 429):  # a bad path or query stays bad
            return f"the server refused the subscription with HTTP {status}"
    return None


def _too_big(exc: Exception) -> bool:
    """Whether we closed the connection because a message was over its size limit."""
    sent = exc.sent if isinstance(exc, ConnectionClosed) else None
    return sent is not None and sent.code == CloseCode.MESSAGE_TOO_BIG


class JetstreamFeed:
    """Iterate over Jetstream messages (bytes); ``cursor`` is the last ``time_us`` yielded.

    ``cursor`` also means "already consumed" on the way in: an event at exactly the cursor is
    skipped, so the checkpointed ``feed.cursor`` of a previous run resumes it without repeats (on
    the same instance: each has its own clock). ``max_reconnects`` bounds the reconnects in a row
    with no event yielded between them (None: no bound; 0: a single connection). ``stop`` ends
    the iteration cleanly; ``sleep`` and ``rand`` let tests observe the backoff. An oversized
    message takes the detour of the module docstring (``max_message_bytes``,
    ``read_limit_bytes``, ``on_skip``); ``oversized`` counts them.
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
        max_message_bytes: int = MAX_RECORD_BYTES,
        read_limit_bytes: int | None = None,
        on_skip: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        parse_uri(url)  # a malformed URL (InvalidURI) fails here: no retry could fix it
        self.url, self.cursor, self.collections = url, cursor, tuple(collections)
        self.open_timeout = open_timeout
        self.max_message_bytes = max_message_bytes
        self.read_limit_bytes = read_limit_bytes or READ_LIMIT_FACTOR * max_message_bytes
        self.on_skip = on_skip or (lambda row: None)
        self.oversized = 0
        self.stop = stop if stop is not None else threading.Event()
        self.backoff = Backoff(
            "Jetstream", backoff_base, backoff_max, max_reconnects, self.stop, sleep, rand, log
        )
        self.connections = self.reconnects = 0
        self.idle_ticks = idle_ticks

    def __iter__(self) -> Iterator[bytes]:
        detour: str | None = None  # None, "read" (a wider limit), "skip" (the server leaves out)
        since: int | None = None  # the cursor when the oversized message stopped the connection
        unseen = False  # an oversized message neither read nor reported yet
        step_over = False  # the event at the cursor is the oversized one: ask from the next on
        while not self.stop.is_set():
            url = subscribe_url(
                self.url,
                cursor=self.cursor + 1 if step_over and self.cursor is not None else self.cursor,
                collections=self.collections,
                max_message_bytes=self.max_message_bytes if detour == "skip" else None,
            )
            limit = self.read_limit_bytes if detour == "read" else self.max_message_bytes
            step_over = False
            try:
                self.connections += 1
                with connect(
                    url,
                    open_timeout=self.open_timeout,
                    close_timeout=CLOSE_SECONDS,
                    max_size=limit,
                ) as ws:
                    while not self.stop.is_set():
                        try:
                            message = ws.recv(timeout=POLL_SECONDS, decode=False)
                        except TimeoutError:  # idle: look at ``stop`` again
                            if self.idle_ticks:
                                yield IDLE
                            continue
                        oversized = len(message) > self.max_message_bytes
                        stamp = _head_time_us(message) if oversized else _time_us(message)
                        # Jetstream's time_us is monotonic per instance (it keys the replay
                        # buffer), so anything at or before the last one yielded is a replay.
                        if stamp is not None and self.cursor is not None and stamp <= self.cursor:
                            continue
                        if stamp is not None:
                            self.cursor = stamp
                        self.backoff.succeeded()
                        if oversized:
                            message = self._oversized(message, stamp)
                            unseen, step_over = False, stamp is not None
                        passed = detour is not None and self.cursor != since
                        if passed and unseen:
                            self._skipped(since, stamp)
                            unseen = False
                        yield message
                        if passed:  # past the oversized message: back to the usual limit
                            detour = None
                            break
                        step_over = False
                    else:
                        return
                    continue
            except (ConnectionClosed, OSError, TimeoutError, InvalidHandshake) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                if _too_big(exc) and (detour is None or since == self.cursor):
                    if detour is None:
                        detour, since, unseen = "read", self.cursor, True
                    elif detour == "read":
                        detour = "skip"
                    else:
                        raise StreamSourceError(
                            f"Jetstream {url}: a message over the {self.read_limit_bytes}-byte "
                            f"read limit after cursor {since}, which the server does not leave "
                            f"out (maxMessageSizeBytes); resume from a later cursor to skip it"
                        ) from exc
                    log.warning(
                        "Jetstream %s: a message over the %d-byte limit after cursor %s; "
                        "reconnecting to %s",
                        url,
                        self.max_message_bytes,
                        since,
                        "read it" if detour == "read" else "have the server leave it out",
                    )
                    continue
                if (hard := _hard(exc)) is not None:
                    raise StreamSourceError(f"Jetstream {url}: {hard} ({problem})") from exc
            self.reconnects += 1
            self.backoff.failed(url, problem, f"from cursor {self.cursor}")

    def _oversized(self, message: bytes, stamp: int | None) -> bytes:
        """The head the consumer quarantines: one byte over the limit, so it reads as too long."""
        self.oversized += 1
        log.warning(
            "Jetstream %s: a %d-byte message (time_us %s) is over the %d-byte limit: "
            "passed on cut short, to be quarantined",
            self.url,
            len(message),
            stamp,
            self.max_message_bytes,
        )
        return message[: self.max_message_bytes + 1]

    def _skipped(self, since: int | None, stamp: int | None) -> None:
        """Report a message that was never read: left out by the server, or gone from its buffer
        (a connection without a cursor cannot ask for it again)."""
        self.oversized += 1
        after = f"after time_us {since}" if since is not None else "at the start of the feed"
        self.on_skip(
            {
                "source": "jetstream",
                "location": f"jetstream:{after}",
                "field": "message",
                "error": f"a message over the {self.max_message_bytes}-byte limit was skipped "
                f"({after}, before time_us {stamp})",
                "raw": "",
            }
        )


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
    max_message_bytes: int = MAX_RECORD_BYTES,
    read_limit_bytes: int | None = None,
    on_skip: Callable[[dict[str, Any]], None] | None = None,
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
            max_message_bytes=max_message_bytes,
            read_limit_bytes=read_limit_bytes,
            on_skip=on_skip,
        )
    )
