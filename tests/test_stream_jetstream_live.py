"""The live Jetstream feed against a real local websocket server; no internet.

The fake serves tests/data/bluesky/jetstream.jsonl (46 events in Jetstream's format, one of them
cut short, as a real capture can be) and honours ``cursor`` as Jetstream does: it sends the events
with ``time_us >= cursor``, so the event at the cursor comes again after every reconnect. Expected
messages are read from the file, never from the feed's own output.
"""

from __future__ import annotations

import contextlib
import doctest
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.exceptions import ConnectionClosed, InvalidURI
from websockets.sync.server import Server, ServerConnection, serve

from tigerblood.stream import jetstream_live
from tigerblood.stream.jetstream_decode import JetstreamDecoder
from tigerblood.stream.jetstream_live import (
    DEFAULT_COLLECTIONS,
    JetstreamFeed,
    StreamSourceError,
    jetstream_messages,
    subscribe_url,
)

LINES = (Path(__file__).parent / "data" / "bluesky" / "jetstream.jsonl").read_bytes().splitlines()
TIME_US = re.compile(rb'"time_us":(\d+)')
TRUNCATED = 44  # the capture's line that was cut short: not JSON, but the server still sends it


def stamp(message: bytes) -> int:
    """A served line's time_us (read by regex, so the line that was cut short has one too)."""
    found = TIME_US.search(message)
    assert found is not None
    return int(found.group(1))


def filed_under(messages: list[bytes]) -> list[int]:
    """Each message's time_us; one without (a test's odd message) is filed with the one before."""
    stamps, last = [], 0
    for message in messages:
        found = TIME_US.search(message)
        last = int(found.group(1)) if found else last
        stamps.append(last)
    return stamps


class FakeJetstream:
    """Serves ``messages`` from the requested cursor on; ``drop_after`` ends a connection early.
    With ``sizes``, it honours ``maxMessageSizeBytes`` as Jetstream does (leaves out the longer)."""

    def __init__(
        self,
        messages: list[bytes],
        drop_after: int | None,
        drop: str,
        every: bool,
        sizes: bool = False,
    ):
        self.messages, self.drop_after, self.drop, self.every = messages, drop_after, drop, every
        self.sizes = sizes
        self.stamps = filed_under(messages)
        self.paths: list[str] = []
        self.url = ""

    def queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(path).query) for path in self.paths]

    def handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        self.paths.append(ws.request.path)
        first = len(self.paths) == 1
        cursor = self.queries()[-1].get("cursor")
        since = int(cursor[0]) if cursor else 0
        wanted = [m for m, t in zip(self.messages, self.stamps, strict=True) if t >= since]
        most = self.queries()[-1].get("maxMessageSizeBytes")
        if self.sizes and most:
            wanted = [m for m in wanted if len(m) <= int(most[0])]
        with contextlib.suppress(ConnectionClosed):  # the client may leave at any point
            for sent, message in enumerate(wanted):
                if sent == self.drop_after and (first or self.every):
                    if self.drop == "close":
                        ws.close(1001, "restarting")  # going away, as in a deploy
                    else:  # a dead network: the socket goes without a closing handshake
                        ws.socket.shutdown(socket.SHUT_RDWR)
                    return
                ws.send(message.decode())  # a text frame, as Jetstream sends
            for _ in ws:  # idle, as a live stream with nothing new, until the client leaves
                pass


@pytest.fixture
def jetstream() -> Iterator:
    """Start fake Jetstream servers on 127.0.0.1 (a free port each); shut them all down after."""
    running: list[tuple[Server, threading.Thread]] = []

    def start(
        messages: list[bytes] = LINES,
        *,
        drop_after: int | None = None,
        drop: str = "close",
        every: bool = False,
        sizes: bool = False,
        **options,
    ) -> FakeJetstream:
        fake = FakeJetstream(messages, drop_after, drop, every, sizes)
        server = serve(fake.handler, "127.0.0.1", 0, **options)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        fake.url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
        return fake

    yield start
    for server, thread in running:
        server.shutdown()
        thread.join(timeout=5)


def take(messages: Iterator[bytes], count: int) -> list[bytes]:
    """The first ``count`` messages, then the generator is closed (as a consumer that stops)."""
    try:
        return list(islice(messages, count))
    finally:
        messages.close()  # type: ignore[attr-defined]


def take_leaving_open(messages: Iterator[bytes], count: int) -> list[bytes]:
    """The first ``count`` messages, leaving the generator open."""
    return list(islice(messages, count))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_all_messages_arrive_in_order_as_bytes_identical_to_the_lines_served(jetstream):
    fake = jetstream()
    got = take(jetstream_messages(fake.url, max_reconnects=0), len(LINES))
    assert got == LINES
    assert all(type(message) is bytes for message in got)
    assert fake.queries() == [{"wantedCollections": list(DEFAULT_COLLECTIONS)}]


@pytest.mark.parametrize(
    ("base", "cursor", "collections", "expected"),
    [
        ("wss://h/subscribe", None, [], "wss://h/subscribe"),
        ("wss://h/subscribe", 0, [], "wss://h/subscribe?cursor=0"),
        (
            "wss://h/subscribe",
            1741100401123457,
            ["app.bsky.feed.post", "app.bsky.graph.follow"],
            "wss://h/subscribe?wantedCollections=app.bsky.feed.post"
            "&wantedCollections=app.bsky.graph.follow&cursor=1741100401123457",
        ),
        (
            "ws://h/subscribe?compress=false",
            5,
            ["app.bsky.graph.*"],
            "ws://h/subscribe?compress=false&wantedCollections=app.bsky.graph.%2A&cursor=5",
        ),
    ],
)
def test_subscribe_url_puts_each_wanted_collection_and_the_cursor_in_the_query(
    base, cursor, collections, expected
):
    url = subscribe_url(base, cursor=cursor, collections=collections)
    assert url == expected
    query = parse_qs(urlsplit(url).query)
    assert query.get("wantedCollections", []) == list(collections)
    assert query.get("cursor") == (None if cursor is None else [str(cursor)])


@pytest.mark.parametrize("drop", ["close", "reset"])
def test_when_the_connection_drops_then_it_resumes_from_the_cursor_losing_and_repeating_nothing(
    jetstream, drop, caplog
):
    fake = jetstream(drop_after=20, drop=drop)
    caplog.set_level(logging.WARNING, logger=jetstream_live.__name__)
    got = take(jetstream_messages(fake.url, max_reconnects=1, sleep=lambda _: None), len(LINES))
    assert got == LINES
    assert len(fake.paths) == 2
    assert fake.queries()[1]["cursor"] == [str(stamp(LINES[19]))]
    assert "reconnecting in" in caplog.text and str(stamp(LINES[19])) in caplog.text
    assert ("ConnectionClosedOK" if drop == "close" else "ConnectionClosedError") in caplog.text


def test_when_started_from_a_checkpointed_cursor_then_it_yields_only_what_came_after_it(jetstream):
    fake = jetstream()
    checkpoint = stamp(LINES[9])
    got = take(jetstream_messages(fake.url, cursor=checkpoint, max_reconnects=0), len(LINES) - 10)
    assert got == LINES[10:]
    assert fake.queries()[0]["cursor"] == [str(checkpoint)]


def test_when_every_connection_delivers_then_the_backoff_starts_over_each_time(jetstream):
    # Each connection re-sends the event at the cursor (skipped) and one new event, then drops.
    fake = jetstream(drop_after=2, every=True)
    delays: list[float] = []
    feed = JetstreamFeed(fake.url, max_reconnects=1, sleep=delays.append, rand=lambda: 1.0)
    got = take(iter(feed), 12)
    assert got == LINES[:12]
    assert delays and set(delays) == {feed.backoff.base_s}


@pytest.mark.parametrize(
    ("max_reconnects", "base", "cap", "ceilings"),
    [(2, 0.5, 60.0, [0.5, 1.0]), (4, 1.0, 3.0, [1.0, 2.0, 3.0, 3.0])],
)
def test_when_the_server_is_down_then_it_backs_off_with_jitter_and_gives_up_naming_the_url(
    max_reconnects, base, cap, ceilings
):
    url = f"ws://127.0.0.1:{closed_port()}/subscribe"
    delays: list[float] = []
    options = {"max_reconnects": max_reconnects, "backoff_base": base, "backoff_max": cap}
    with pytest.raises(StreamSourceError, match=re.escape(url)) as failure:
        next(jetstream_messages(url, sleep=delays.append, **options))
    assert "ConnectionRefusedError" in str(failure.value)
    assert len(delays) == len(ceilings)
    assert all(
        0 <= delay <= ceiling <= cap for delay, ceiling in zip(delays, ceilings, strict=True)
    )
    # With the jitter's draw fixed at its top, the ceilings show: doubling, then the cap.
    ceilings_seen: list[float] = []
    feed = JetstreamFeed(url, sleep=ceilings_seen.append, rand=lambda: 1.0, **options)
    with pytest.raises(StreamSourceError):
        next(iter(feed))
    assert ceilings_seen == ceilings
    assert feed.connections == max_reconnects + 1


def test_with_the_injected_sleep_a_down_server_fails_fast_after_max_reconnects_plus_one_tries():
    url = f"ws://127.0.0.1:{closed_port()}/subscribe"
    delays: list[float] = []
    started = time.monotonic()
    with pytest.raises(StreamSourceError, match="3 time"):
        next(jetstream_messages(url, max_reconnects=2, sleep=delays.append))
    assert len(delays) == 2 and time.monotonic() - started < 5


@pytest.mark.parametrize("status", [400, 404])
def test_when_the_server_refuses_the_subscription_then_it_fails_at_once(jetstream, status):
    fake = jetstream(process_request=lambda conn, request: conn.respond(status, "no\n"))
    feed = JetstreamFeed(fake.url, sleep=lambda _: pytest.fail("a refusal is not retried"))
    with pytest.raises(StreamSourceError, match=f"HTTP {status}"):
        next(iter(feed))
    assert feed.connections == 1


def test_a_malformed_url_is_an_error_before_any_connection():
    with pytest.raises(InvalidURI):
        JetstreamFeed("http://jetstream.example/subscribe")


@pytest.mark.parametrize("after", [3, 20])
def test_when_stop_is_set_after_k_messages_then_the_iteration_ends_cleanly(jetstream, after):
    fake = jetstream()
    stop = threading.Event()
    got: list[bytes] = []
    for message in jetstream_messages(fake.url, stop=stop, max_reconnects=0):
        got.append(message)
        if len(got) == after:
            stop.set()
            started = time.monotonic()
    assert got == LINES[:after]
    assert time.monotonic() - started < jetstream_live.CLOSE_SECONDS + 1


def test_when_stop_is_set_on_a_quiet_stream_then_it_ends_within_the_poll_interval(jetstream):
    fake = jetstream()
    stop = threading.Event()
    got: list[bytes] = []
    for message in jetstream_messages(fake.url, stop=stop, max_reconnects=0):
        got.append(message)
        if len(got) == len(LINES):  # the server has nothing more: the feed waits in recv
            threading.Timer(0.1, stop.set).start()
            started = time.monotonic()
    assert got == LINES
    assert time.monotonic() - started < jetstream_live.POLL_SECONDS + 1


def test_when_stop_is_set_during_a_backoff_then_it_ends_without_waiting_it_out():
    stop = threading.Event()
    url = f"ws://127.0.0.1:{closed_port()}/subscribe"
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    assert list(jetstream_messages(url, stop=stop, backoff_base=30.0)) == []
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "odd",
    [
        LINES[TRUNCATED],
        b"not json at all",
        b'{"kind":"commit"}',
        b'{"time_us":"1741100498123554"}',
        b'{"time_us":true}',
        b"[1741100498123554]",
    ],
)
def test_a_message_without_a_readable_time_us_is_yielded_and_does_not_move_the_cursor(
    jetstream, odd
):
    before, after = LINES[:TRUNCATED], LINES[TRUNCATED + 1 :]
    fake = jetstream([*before, odd, *after])
    feed = JetstreamFeed(fake.url, max_reconnects=0)
    messages = iter(feed)
    got = take_leaving_open(messages, len(before) + 1)
    assert got[-1] == odd and type(got[-1]) is bytes
    assert feed.cursor == stamp(before[-1])
    rest = take(messages, len(after))
    assert rest == after
    assert feed.cursor == stamp(after[-1])


# -- oversized messages: quarantined with their place, and the feed goes on --------------------

LIMIT = 2000
"""The feed's message limit in these tests (every fixture line is under 1,100 bytes)."""


def oversized(size: int, after: bytes) -> bytes:
    """A Jetstream-shaped post of ``size`` bytes, one microsecond after the event ``after``."""
    head = (
        b'{"did":"did:plc:lygj7oap27dsphdjgxdi3pmp","time_us":%d,"kind":"commit","commit":'
        b'{"rev":"3lbig","operation":"create","collection":"app.bsky.feed.post","rkey":"3lbig",'
        b'"record":{"$type":"app.bsky.feed.post","createdAt":"2025-03-04T15:00:00Z","text":"'
        % (stamp(after) + 1)
    )
    tail = b'"}}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_an_oversized_message_is_read_on_a_detour_and_passed_on_cut_short(jetstream):
    big = oversized(5 * LIMIT, after=LINES[9])
    served = [*LINES[:10], big, *LINES[10:]]
    fake = jetstream(served)
    feed = JetstreamFeed(fake.url, max_reconnects=0, max_message_bytes=LIMIT)
    got = take(iter(feed), len(served))
    # Every event once, in order; the oversized one cut one byte past the limit, so it reads as
    # too long to whoever decodes it, exactly like a capture's overlong line.
    assert got == [*LINES[:10], big[: LIMIT + 1], *LINES[10:]]
    assert feed.oversized == 1 and feed.reconnects == 0
    cursors = [q.get("cursor") for q in fake.queries()]
    assert cursors == [None, [str(stamp(LINES[9]))], [str(stamp(big) + 1)]]
    # Decoded as watch decodes it: quarantined with its place, every other event read.
    decoder = JetstreamDecoder()
    decoder.limit = LIMIT
    batches, times = decoder.decode(got)
    [row] = [
        r
        for b in batches
        if b.table == "quarantine"
        for r in b.data.to_pylist()
        if "limit" in r["error"]
    ]
    assert row["location"] == "jetstream:11" and f"{LIMIT}-byte limit" in row["error"]
    assert times[10] is None and times[11] == stamp(LINES[10])


def test_a_message_over_even_the_read_limit_is_left_out_by_the_server_and_reported(jetstream):
    big = oversized(20 * LIMIT, after=LINES[9])  # over the detour's 8 x LIMIT too
    fake = jetstream([*LINES[:10], big, *LINES[10:]], sizes=True)
    skipped: list[dict] = []
    feed = JetstreamFeed(
        fake.url, max_reconnects=0, max_message_bytes=LIMIT, on_skip=skipped.append
    )
    assert take(iter(feed), len(LINES)) == LINES  # nothing lost, nothing twice
    [row] = skipped
    assert row["location"] == f"jetstream:after time_us {stamp(LINES[9])}"
    assert f"before time_us {stamp(LINES[10])}" in row["error"] and row["field"] == "message"
    asked = [q.get("maxMessageSizeBytes") for q in fake.queries()]
    assert asked == [None, None, [str(LIMIT)], None]  # the usual connection once past it
    assert fake.queries()[-1]["cursor"] == [str(stamp(LINES[10]))]


def test_a_server_that_keeps_sending_it_is_a_clear_error_naming_the_cursor(jetstream):
    big = oversized(20 * LIMIT, after=LINES[9])
    fake = jetstream([*LINES[:10], big, *LINES[10:]])  # does not honour maxMessageSizeBytes
    feed = JetstreamFeed(fake.url, max_reconnects=0, max_message_bytes=LIMIT)
    messages = iter(feed)
    assert take_leaving_open(messages, 10) == LINES[:10]
    with pytest.raises(StreamSourceError, match=f"after cursor {stamp(LINES[9])}"):
        next(messages)


@pytest.mark.parametrize("module", [jetstream_live])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
