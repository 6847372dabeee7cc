"""The live Mastodon source: a server's streaming API as raw WebSocket messages.

Mastodon (docs.joinmastodon.org/methods/streaming) sends one event per WebSocket text message,
``{"stream": ["public:local"], "event": "update", "payload": "<Status as JSON text>"}``, on
``/api/v1/streaming?stream=...``. Since Mastodon 4.2 every stream, the public ones included, wants
a user access token (``Authorization: Bearer``); without one the handshake is refused with 401.

Unlike Jetstream there is no cursor and no replay: events sent while we were disconnected are
lost, and a reconnect starts from "now". Drops still happen (deploys, idle proxies), so the feed
reconnects with full-jitter backoff and says in the log that the gap cannot be filled; fetch the
timelines over the REST API if a gap matters. For the same reason a message over the size limit
(which closes the connection) is not fatal as it is for Jetstream: the reconnect cannot fetch it
again, so it is simply lost with the gap. The server's heartbeats are WebSocket pings, which
websockets answers by itself.

Messages are yielded as bytes, unparsed: a malformed one is the consumer's to quarantine
(DESIGN §4). The one exception is the server's own ``{"error": ..., "status": 4xx}`` answer to
a bad subscription, which would otherwise read as one bad message and then silence.

>>> streaming_url("mastodon.social")
'wss://mastodon.social/api/v1/streaming?stream=public:local'
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import orjson
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect
from websockets.uri import parse_uri

from tigerblood.ingest.jsonio import MAX_RECORD_BYTES
from tigerblood.stream.backoff import IDLE, Backoff, StreamSourceError
from tigerblood.stream.jetstream_live import CLOSE_SECONDS, POLL_SECONDS

STREAMING_PATH = "/api/v1/streaming"
TOKEN_ENV = "MASTODON_TOKEN"
_SCHEMES = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}

log = logging.getLogger(__name__)

__all__ = ["StreamSourceError", "mastodon_messages", "streaming_url"]


def streaming_url(server: str, stream: str = "public:local") -> str:
    """The WebSocket URL of ``stream`` on ``server``.

    ``server`` is a host (``mastodon.social``), a site URL (``https://mastodon.social``; ``http``
    gives ``ws``) or a streaming URL, kept as given with ``stream`` added only when its query has
    none (a ``hashtag`` or ``list`` stream needs its ``tag``/``list`` there too). Servers whose
    streaming lives on another host (``urls.streaming`` in ``/api/v2/instance``) need that URL.

    >>> streaming_url("https://mastodon.social/", "public")
    'wss://mastodon.social/api/v1/streaming?stream=public'
    >>> streaming_url("wss://streaming.example/api/v1/streaming?stream=hashtag&tag=cats")
    'wss://streaming.example/api/v1/streaming?stream=hashtag&tag=cats'
    """
    text = server.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise ValueError(f"not a Mastodon server or streaming URL: {server!r}")
    path = parts.path if parts.path not in ("", "/") else STREAMING_PATH
    query = parts.query
    if "stream" not in parse_qs(query):
        query = f"{query}&" if query else ""
        query += f"stream={quote(stream, safe=':')}"
    return urlunsplit((scheme, parts.netloc, path, query, ""))


def _hard(exc: Exception) -> str | None:
    """Why retrying cannot help, or None when a reconnect might."""
    if isinstance(exc, InvalidStatus):
        return _refused(exc.response.status_code)
    return None


def _refused(status: int) -> str | None:
    """Why a 4xx refusal is final (None for 408/429 and anything else: retry)."""
    if status in (401, 403):
        return (
            f"the server wants a user access token (HTTP {status}): streaming needs one since "
            f"Mastodon 4.2; create one under Preferences > Development with the read:statuses "
            f"scope and set {TOKEN_ENV}"
        )
    if 400 <= status < 500 and status not in (408, 429):  # a bad path or stream stays bad
        return f"the server refused the subscription with HTTP {status}"
    return None


def _in_band_error(message: bytes) -> str | None:
    """Why the subscription failed, when ``message`` is the server's ``{"error", "status"}``
    answer with a final status; None for every other message (events are not parsed)."""
    if not message.startswith(b'{"error"'):
        return None
    try:
        answer = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    status = answer.get("status") if isinstance(answer, dict) else None
    if not isinstance(status, int) or (why := _refused(status)) is None:
        return None
    return f"{why}: {answer.get('error')!r}"


def mastodon_messages(
    url: str,
    *,
    token: str | None = None,
    max_reconnects: int | None = None,
    backoff_s: float = 1.0,
    backoff_max_s: float = 60.0,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    idle_ticks: bool = False,
) -> Iterator[bytes]:
    """Mastodon streaming messages as bytes, reconnecting forever unless bounded or stopped.

    ``url`` is a streaming URL (see :func:`streaming_url`); ``token`` is sent as
    ``Authorization: Bearer``. ``max_reconnects`` bounds the reconnects in a row with no message
    between them (None: no bound; 0: a single connection); the backoff before reconnect ``n``
    is drawn from ``[0, min(backoff_max_s, backoff_s * 2**n)]`` and starts over once a message
    arrives. Refusals that no retry can fix (401/403: no or a bad token; other 4xx but 408 and
    429) raise :class:`StreamSourceError` at once. ``stop`` ends the iteration cleanly; ``sleep``
    and ``rand`` let tests observe the backoff. With ``idle_ticks``, :data:`IDLE` comes each time
    a second passes with no message.
    """
    parse_uri(url)  # a malformed URL (InvalidURI) fails here, before the first next()
    backoff = Backoff(
        "Mastodon",
        backoff_s,
        backoff_max_s,
        max_reconnects,
        stop or threading.Event(),
        sleep,
        rand,
        log,
    )
    return _messages(url, token, backoff, idle_ticks)


def _messages(url: str, token: str | None, backoff: Backoff, idle_ticks: bool) -> Iterator[bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    stop = backoff.stop
    while not stop.is_set():
        try:
            with connect(
                url,
                additional_headers=headers,
                close_timeout=CLOSE_SECONDS,
                max_size=MAX_RECORD_BYTES,
            ) as ws:
                while not stop.is_set():
                    try:
                        message = ws.recv(timeout=POLL_SECONDS, decode=False)
                    except TimeoutError:  # idle: look at ``stop`` again
                        if idle_ticks:
                            yield IDLE
                        continue
                    if (refusal := _in_band_error(message)) is not None:
                        raise StreamSourceError(f"Mastodon {url}: {refusal}")
                    backoff.succeeded()
                    yield message
                return
        except (ConnectionClosed, OSError, TimeoutError, InvalidHandshake) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            if (hard := _hard(exc)) is not None:
                raise StreamSourceError(f"Mastodon {url}: {hard} ({problem})") from exc
        backoff.failed(
            url, problem, "(events sent until then are lost: the streaming API cannot replay)"
        )
