"""The live Mastodon source: decoding streaming messages, and the feed against real local
WebSocket servers; no internet.

Messages are the lines of tests/data/mastodon/stream_public.jsonl (the WebSocket form of the
``public`` stream: 2 ``update``, 1 ``status.update`` editing the first post, 1 ``delete``), so
what is decoded live is compared with what the batch :class:`MastodonAdapter` reads from that
very file. Expected times are written out from the fixture by hand, not computed by the code.
"""

from __future__ import annotations

import contextlib
import doctest
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from websockets.exceptions import ConnectionClosed, InvalidURI
from websockets.sync.server import Server, ServerConnection, serve

from tests.ingest_support import DATA, read_all
from tigerblood import model
from tigerblood.ingest.base import Batch
from tigerblood.ingest.mastodon.responses import MastodonAdapter
from tigerblood.stream import mastodon_live
from tigerblood.stream.mastodon_decode import MastodonDecoder
from tigerblood.stream.mastodon_live import StreamSourceError, mastodon_messages, streaming_url

FIXTURE = DATA / "mastodon" / "stream_public.jsonl"
LINES = FIXTURE.read_bytes().splitlines()
INSTANCE = "mastodon.social"
POST_8, POST_6 = "113400000000000008", "113400000000000006"  # deals_bot (local), bob (remote)
DEALS_BOT, BOB = "110500000000000002", "109310000000000001"
TOKEN = "s3cret-user-token"


def us(year: int, month: int, day: int, hour: int) -> int:
    """Microseconds since the epoch of a UTC hour (exact: whole seconds times a million)."""
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp()) * 1_000_000


def rows(batches: list[Batch]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for batch in batches:
        assert batch.data.schema.equals(model.SCHEMAS[batch.table]), batch.table
        out.setdefault(batch.table, []).extend(batch.data.to_pylist())
    return out


def first_by(table: list[dict], column: str) -> dict[str, dict]:
    """Rows by ``column``, keeping the first of repeats (as the batch path and the engine do)."""
    out: dict[str, dict] = {}
    for row in table:
        out.setdefault(row[column], row)
    return out


def message(event: str, payload: object) -> bytes:
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    return orjson.dumps({"stream": ["public:local"], "event": event, "payload": text})


def status_of(line: bytes) -> dict:
    return orjson.loads(orjson.loads(line)["payload"])


# -- decoding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [len(LINES), 2, 1])
def test_decoded_micro_batches_give_the_batch_adapters_posts_and_accounts(size):
    expected = read_all(MastodonAdapter(), FIXTURE)
    decoder = MastodonDecoder()
    got: dict[str, list[dict]] = {}
    for start in range(0, len(LINES), size):
        for table, table_rows in rows(decoder.decode(LINES[start : start + size])[0]).items():
            got.setdefault(table, []).extend(table_rows)
    assert "quarantine" not in got and "quarantine" not in expected
    assert decoder.instance == INSTANCE
    posts = first_by(got["posts"], "post_id")
    assert set(posts) == {f"{POST_8}@{INSTANCE}", f"{POST_6}@{INSTANCE}"}
    assert posts == first_by(expected["posts"], "post_id")  # every column, row for row
    assert first_by(got["accounts"], "account_id") == first_by(expected["accounts"], "account_id")
    # Within a micro-batch a repeat is dropped, as in a file; across batches the edit is passed
    # on (the engine keeps the first).
    assert len(got["posts"]) == (2 if size > 2 else 3)
    assert posts[f"{POST_8}@{INSTANCE}"]["account_id"] == f"{DEALS_BOT}@{INSTANCE}"
    assert first_by(got["accounts"], "account_id")[f"{BOB}@{INSTANCE}"]["handle"] == (
        "bob@fosstodon.org"
    )
    assert decoder.stats["messages"] == len(LINES)
    assert decoder.stats["event/update"] == 2 and decoder.stats["event/delete"] == 1


def test_times_are_each_status_events_created_at_in_microseconds_and_none_otherwise():
    status = status_of(LINES[0])
    odd = [
        {**status, "id": "1", "created_at": "2024-11-02T11:00:00.123456Z"},
        {**status, "id": "2", "created_at": "2024-11-02T12:00:00+01:00"},
        {**status, "id": "3", "created_at": "yesterday"},
        {**status, "id": "4", "created_at": None},
    ]
    messages = [*LINES, *(message("update", s) for s in odd), b"not json", message("weird", {})]
    _, times = MastodonDecoder().decode(messages)
    expected_fixture = [us(2024, 11, 2, 11), us(2024, 11, 2, 7), us(2024, 11, 2, 11), None]
    expected_odd = [us(2024, 11, 2, 11) + 123_456, us(2024, 11, 2, 11), None, None]
    assert times == [*expected_fixture, *expected_odd, None, None]
    assert all(t is None or type(t) is int for t in times)


def test_cursor_of_is_always_none_since_the_streaming_api_cannot_resume():
    decoder = MastodonDecoder()
    assert [decoder.cursor_of(line) for line in [*LINES, b"junk"]] == [None] * (len(LINES) + 1)


BROKEN = [
    (b"not json at all", "record", "invalid JSON"),
    (b"\xff\xfe\x00", "record", "invalid JSON"),
    (b'{"stream":["public"],"event":"update","payload":"{\\"id\\": 1,"}', "payload", "invalid"),
    (message("weird.event", {"x": 1}), "event", "unknown streaming event 'weird.event'"),
    (message("update", {"content": "<p>no id</p>", "account": {}}), "status.id", "without an id"),
    (b"[1, 2, 3]", "record", "not a Mastodon entity"),
]


@pytest.mark.parametrize(("bad", "field", "error"), BROKEN)
def test_a_broken_message_is_quarantined_at_its_place_and_the_run_goes_on(
    bad, field, error, tmp_path: Path
):
    decoder = MastodonDecoder(source="mastodon.social/public")
    first, _ = decoder.decode(LINES[:1])
    batches, times = decoder.decode([LINES[1], bad, LINES[2]])  # never raises
    later = rows(decoder.decode(LINES[3:])[0])
    got = rows(batches)
    [row] = got["quarantine"]
    assert row["source"] == "mastodon.social/public"
    assert row["location"] == "mastodon.social/public:3"  # numbered across calls, from 1
    assert row["field"] == field and error in row["error"]
    assert {p["post_id"] for p in got["posts"]} == {f"{POST_6}@{INSTANCE}", f"{POST_8}@{INSTANCE}"}
    assert times[1] is None and times[2] == us(2024, 11, 2, 11)
    assert later == {} and "quarantine" not in rows(first)
    assert decoder.stats["quarantined"] == 1 and decoder.stats["messages"] == len(LINES) + 1
    # The batch adapter quarantines the same line the same way.
    path = tmp_path / "stream.jsonl"
    path.write_bytes(b"\n".join([*LINES[:2], bad, LINES[2]]) + b"\n")
    [filed] = read_all(MastodonAdapter(), path)["quarantine"]
    assert (filed["field"], filed["error"], filed["location"]) == (
        row["field"],
        row["error"],
        f"{path}:3",
    )


def test_an_oversized_message_is_quarantined_unread():
    decoder = MastodonDecoder()
    decoder.limit = 100
    got = rows(decoder.decode([b'{"event":"update","payload":"' + b"x" * 200 + b'"}'])[0])
    assert got["quarantine"][0]["location"] == "mastodon:1"
    assert "100-byte limit" in got["quarantine"][0]["error"]


def test_before_the_server_shows_itself_ids_stay_bare_then_are_qualified():
    decoder = MastodonDecoder()
    remote_only = rows(decoder.decode([LINES[1], LINES[3]])[0])  # bob@fosstodon.org, a delete
    assert decoder.instance is None and decoder.stats["bare_ids"] == 2
    assert {p["post_id"] for p in remote_only["posts"]} == {POST_6}
    shown = rows(decoder.decode([LINES[1], LINES[0]])[0])  # deals_bot is local: the whole batch
    assert decoder.instance == INSTANCE
    assert {p["post_id"] for p in shown["posts"]} == {
        f"{POST_6}@{INSTANCE}",
        f"{POST_8}@{INSTANCE}",
    }
    given = rows(MastodonDecoder(instance="Mastodon.Social").decode([LINES[1]])[0])
    assert {p["post_id"] for p in given["posts"]} == {f"{POST_6}@{INSTANCE}"}


# -- the feed --------------------------------------------------------------------------------------


class FakeMastodon:
    """A live stream: ``messages`` go out once, in order, whichever connection is open (what is
    sent on a connection that drops is not sent again: there is no replay). ``drop_after``: each
    connection (or only the first) ends after sending that many. ``token``: refuse others with
    401, as a Mastodon 4.2+ server does."""

    def __init__(
        self, messages: list[bytes], drop_after: int | None, every: bool, token: str | None
    ):
        self.messages, self.drop_after, self.every, self.token = messages, drop_after, every, token
        self.sent = 0
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization)
        self.url = ""

    def process_request(self, conn: ServerConnection, request):
        auth = request.headers.get("Authorization")
        self.requests.append((request.path, auth))
        if self.token is not None and auth != f"Bearer {self.token}":
            return conn.respond(401, '{"error":"Missing access token"}\n')
        return None

    def handler(self, ws: ServerConnection) -> None:
        first = len(self.requests) == 1
        with contextlib.suppress(ConnectionClosed):  # the client may leave at any point
            sent_here = 0
            while self.sent < len(self.messages):
                if sent_here == self.drop_after and (first or self.every):
                    ws.close(1001, "restarting")  # going away, as in a deploy
                    return
                ws.send(self.messages[self.sent].decode("utf-8", "replace"))  # text frames
                self.sent += 1
                sent_here += 1
            for _ in ws:  # idle, as a quiet stream, until the client leaves
                pass


@pytest.fixture
def mastodon() -> Iterator:
    """Start fake Mastodon streaming servers on 127.0.0.1 (a free port each); stop them after."""
    running: list[tuple[Server, threading.Thread]] = []

    def start(
        messages: list[bytes] = LINES,
        *,
        drop_after: int | None = None,
        every: bool = False,
        token: str | None = None,
        **options,
    ) -> FakeMastodon:
        fake = FakeMastodon(messages, drop_after, every, token)
        options.setdefault("process_request", fake.process_request)
        server = serve(fake.handler, "127.0.0.1", 0, **options)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        port = server.socket.getsockname()[1]
        fake.url = streaming_url(f"ws://127.0.0.1:{port}")
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


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_messages_arrive_in_order_as_bytes_with_the_token_as_a_bearer_header(mastodon):
    fake = mastodon(token=TOKEN)
    got = take(mastodon_messages(fake.url, token=TOKEN, max_reconnects=0), len(LINES))
    assert got == LINES and all(type(m) is bytes for m in got)
    [(path, auth)] = fake.requests
    assert auth == f"Bearer {TOKEN}"
    assert urlsplit(path).path == "/api/v1/streaming"
    assert parse_qs(urlsplit(path).query) == {"stream": ["public:local"]}
    # Live messages decode as the file does.
    posts = rows(MastodonDecoder().decode(got)[0])["posts"]
    assert {p["post_id"] for p in posts} == {f"{POST_8}@{INSTANCE}", f"{POST_6}@{INSTANCE}"}


def test_without_a_token_no_authorization_header_is_sent(mastodon):
    fake = mastodon()
    assert take(mastodon_messages(fake.url, max_reconnects=0), 1) == LINES[:1]
    assert fake.requests[0][1] is None


@pytest.mark.parametrize("status", [401, 403])
def test_when_the_server_wants_a_token_then_it_fails_at_once_saying_so(mastodon, status):
    fake = mastodon(process_request=lambda conn, request: conn.respond(status, "no\n"))
    never = mastodon_messages(fake.url, sleep=lambda _: pytest.fail("a refusal is not retried"))
    with pytest.raises(StreamSourceError) as failure:
        next(never)
    text = str(failure.value)
    assert "access token" in text and "MASTODON_TOKEN" in text and f"HTTP {status}" in text
    assert fake.url in text


def test_a_wrong_token_is_refused_with_401_and_not_retried(mastodon):
    fake = mastodon(token=TOKEN)
    never = mastodon_messages(fake.url, token="wrong", sleep=lambda _: pytest.fail("retried"))
    with pytest.raises(StreamSourceError, match="access token"):
        next(never)
    assert len(fake.requests) == 1


def test_a_401_answer_inside_the_websocket_is_a_hard_error_too(mastodon):
    fake = mastodon([LINES[0], b'{"error":"Missing access token","status":401}', LINES[1]])
    feed = mastodon_messages(fake.url, max_reconnects=0)
    assert next(feed) == LINES[0]
    with pytest.raises(StreamSourceError, match=r"MASTODON_TOKEN.*Missing access token"):
        next(feed)


def test_an_error_message_without_a_final_status_is_just_a_message(mastodon):
    odd = [b'{"error":"busy","status":503}', b'{"error":"x"}', b'{"error": oops']
    fake = mastodon([*odd, LINES[0]])
    assert take(mastodon_messages(fake.url, max_reconnects=0), 4) == [*odd, LINES[0]]


@pytest.mark.parametrize(("status", "hard"), [(400, True), (404, True), (429, False), (503, False)])
def test_other_refusals_are_hard_only_for_4xx_but_408_and_429(mastodon, status, hard):
    fake = mastodon(process_request=lambda conn, request: conn.respond(status, "no\n"))
    delays: list[float] = []
    with pytest.raises(StreamSourceError, match=f"HTTP {status}") as failure:
        next(mastodon_messages(fake.url, max_reconnects=1, sleep=delays.append))
    assert ("access token" in str(failure.value)) is False
    assert len(delays) == (0 if hard else 1)


def test_when_the_server_drops_the_connection_then_it_reconnects_and_goes_on(mastodon, caplog):
    fake = mastodon(drop_after=2)
    caplog.set_level(logging.WARNING, logger=mastodon_live.__name__)
    delays: list[float] = []
    got = take(
        mastodon_messages(fake.url, token=TOKEN, max_reconnects=1, sleep=delays.append),
        len(LINES),
    )
    assert got == LINES  # nothing repeated: the fake, like Mastodon, does not replay
    assert len(fake.requests) == 2 and all(a == f"Bearer {TOKEN}" for _, a in fake.requests)
    assert len(delays) == 1 and 0 <= delays[0] <= 1.0
    assert "reconnecting in" in caplog.text and "cannot replay" in caplog.text


def test_when_every_connection_delivers_then_the_backoff_starts_over_each_time(mastodon):
    fake = mastodon(drop_after=1, every=True)
    delays: list[float] = []
    feed = mastodon_messages(
        fake.url, max_reconnects=1, backoff_s=0.25, sleep=delays.append, rand=lambda: 1.0
    )
    assert take(feed, len(LINES)) == LINES
    assert delays == [0.25] * (len(LINES) - 1)


def test_when_the_server_is_down_then_it_backs_off_with_jitter_and_gives_up_naming_the_url():
    url = f"ws://127.0.0.1:{closed_port()}/api/v1/streaming?stream=public"
    ceilings: list[float] = []
    options = {"max_reconnects": 3, "backoff_s": 0.5, "backoff_max_s": 1.5}
    with pytest.raises(StreamSourceError, match="4 time") as failure:
        next(mastodon_messages(url, sleep=ceilings.append, rand=lambda: 1.0, **options))
    assert url in str(failure.value) and "ConnectionRefusedError" in str(failure.value)
    assert ceilings == [0.5, 1.0, 1.5]  # doubling, then the cap
    delays: list[float] = []
    with pytest.raises(StreamSourceError):
        next(mastodon_messages(url, sleep=delays.append, **options))
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))


def test_when_stop_is_set_then_the_iteration_ends_promptly(mastodon):
    fake = mastodon()
    stop = threading.Event()
    got: list[bytes] = []
    for item in mastodon_messages(fake.url, stop=stop, max_reconnects=0):
        got.append(item)
        if len(got) == len(LINES):  # a quiet stream from here: the feed waits in recv
            threading.Timer(0.1, stop.set).start()
            started = time.monotonic()
    assert got == LINES
    assert time.monotonic() - started < mastodon_live.POLL_SECONDS + 1


def test_when_stop_is_set_during_a_backoff_then_it_ends_without_waiting_it_out():
    stop = threading.Event()
    url = f"ws://127.0.0.1:{closed_port()}/api/v1/streaming"
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    assert list(mastodon_messages(url, stop=stop, backoff_s=30.0)) == []
    assert time.monotonic() - started < 5


def test_a_malformed_url_is_an_error_before_any_connection():
    with pytest.raises(InvalidURI):
        mastodon_messages("https://mastodon.social/api/v1/streaming")


@pytest.mark.parametrize(
    ("server", "stream", "expected"),
    [
        ("mastodon.social", None, "wss://mastodon.social/api/v1/streaming?stream=public:local"),
        ("  Mastodon.Social ", "public", "wss://Mastodon.Social/api/v1/streaming?stream=public"),
        ("https://mastodon.social", None, "wss://mastodon.social/api/v1/streaming?stream=public:local"),
        ("https://mastodon.social/", "public:remote", "wss://mastodon.social/api/v1/streaming?stream=public:remote"),
        ("http://localhost:3000", "user", "ws://localhost:3000/api/v1/streaming?stream=user"),
        ("wss://streaming.example/api/v1/streaming", None, "wss://streaming.example/api/v1/streaming?stream=public:local"),
        ("wss://m.example/api/v1/streaming?stream=hashtag&tag=cats", "public", "wss://m.example/api/v1/streaming?stream=hashtag&tag=cats"),
        ("wss://m.example/api/v1/streaming?stream=public", None, "wss://m.example/api/v1/streaming?stream=public"),
        ("ws://127.0.0.1:8080", "public:local", "ws://127.0.0.1:8080/api/v1/streaming?stream=public:local"),
    ],
)  # fmt: skip
def test_streaming_url_forms(server, stream, expected):
    url = streaming_url(server) if stream is None else streaming_url(server, stream)
    assert url == expected
    assert "stream" in parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("server", ["", "ftp://mastodon.social", "https://", "   "])
def test_streaming_url_refuses_what_is_not_a_server(server):
    with pytest.raises(ValueError, match="not a Mastodon server"):
        streaming_url(server)


@pytest.mark.parametrize("module", [mastodon_live])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
