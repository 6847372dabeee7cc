"""The sinks of `tigerblood watch` (DESIGN §3.6, issue 15): JSON Lines, a webhook, AT Protocol
labels, each behind automod-style limits, none able to stall the feed; and `--metrics`.

Receivers are real: a local HTTP server (stdlib) that can answer 2xx, 4xx or 5xx, be slow, or not
be there at all; labels are checked against the AT Protocol lexicon by the `atproto` SDK's own
models. Limits are driven by an explicit clock. One test runs `tigerblood watch` as a user does,
against a local Jetstream, with every sink and the metrics on, and stops it with SIGTERM.
"""

from __future__ import annotations

import contextlib
import email.utils
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from atproto import models
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.server import ServerConnection, serve

from tigerblood.stream.metrics import Tally, WatchCollector, parse_address
from tigerblood.stream.metrics import serve as serve_metrics
from tigerblood.stream.sinks import config
from tigerblood.stream.sinks.fanout import Fanout, state_path
from tigerblood.stream.sinks.jsonl import JsonlSink
from tigerblood.stream.sinks.labels import LabelSink, label_record, ozone_event
from tigerblood.stream.sinks.limits import DAY_S, HOUR_S, Gate, Limits
from tigerblood.stream.sinks.webhook import WebhookSink
from tigerblood.testing.scenarios import Sizes, generate

LABELER = "did:plc:ar7c4by46qjdydhdevvrndac"
STRICT = {"strict_string_format": True}
T0 = 1_741_000_000.0


def did(n: int) -> str:
    return f"did:plc:{n:024d}".replace("0", "a")


def verdict(n: int, change: str = "flagged", patterns: tuple[str, ...] = ("link_reply_spam",)):
    """A verdict change as the engine reports it (the fields sinks read, and a finding)."""
    flagged = change != "cleared"
    return {
        "platform": "bluesky",
        "account_id": did(n),
        "handle": f"user{n}.example.social",
        "score": 0.9 if flagged else 0.1,
        "flagged": flagged,
        "patterns": list(patterns) if flagged else [],
        "findings": [{"pattern": p, "summary": f"{p} evidence"} for p in patterns]
        if flagged
        else [],
        "change": change,
        "window_end": T0,
    }


class Clock:
    """Explicit time for the limits."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def labels_gate(tmp_path: Path, limits: Limits, clock: Clock) -> tuple[Gate, Path]:
    path = tmp_path / "labels.jsonl"
    return Gate(LabelSink(LABELER, path=path), limits, clock=clock), path


def assert_lexicon_labels(records: list[dict[str, Any]]) -> None:
    """Every record is a valid com.atproto.label.defs#label, by the atproto SDK's models."""
    assert records
    for record in records:
        label = models.ComAtprotoLabelDefs.Label.model_validate(record, context=STRICT)
        assert label.src == LABELER and label.uri.startswith("did:plc:")
        assert len(label.val.encode()) <= 128 and label.ver == 1


# -- labels: the lexicon -----------------------------------------------------------------------


def test_every_label_emitted_validates_against_the_atproto_lexicon(tmp_path: Path) -> None:
    clock = Clock()
    gate, path = labels_gate(tmp_path, Limits(), clock)
    gate.offer(verdict(1, patterns=("link_reply_spam", "automation")))
    clock.now += 60
    gate.offer(verdict(1, "patterns_changed", ("link_reply_spam",)))
    clock.now += 60
    gate.offer(verdict(1, "cleared"))
    records = read_jsonl(path)
    assert_lexicon_labels(records)
    assert [(r["val"], r["neg"]) for r in records] == [
        ("automation", False),
        ("link-reply-spam", False),
        ("automation", True),
        ("link-reply-spam", True),
    ]
    assert records[0]["cts"] == "2025-03-03T11:06:40.000Z"
    assert gate.stats.emitted == 3 and gate.stats.records == 4


def test_the_ozone_event_and_an_expiring_label_validate_too() -> None:
    from tigerblood.stream.sinks.base import Change

    record = label_record(LABELER, did(2), "follow-farming", neg=False, cts=T0, exp=T0 + 30 * DAY_S)
    assert_lexicon_labels([record])
    change = Change(verdict(2), ("link-reply-spam",), ("automation",), T0)
    event = ozone_event(change, LABELER, expire_s=7 * DAY_S)
    data = models.ToolsOzoneModerationEmitEvent.Data.model_validate(event, context=STRICT)
    assert isinstance(data.event, models.ToolsOzoneModerationDefs.ModEventLabel)
    assert data.event.create_label_vals == ["link-reply-spam"]
    assert data.event.negate_label_vals == ["automation"]
    assert isinstance(data.subject, models.ComAtprotoAdminDefs.RepoRef)
    assert data.subject.did == did(2) and data.event.duration_in_hours == 168


def test_an_account_without_a_did_gets_no_label(tmp_path: Path) -> None:
    gate, path = labels_gate(tmp_path, Limits(), Clock())
    mastodon = {**verdict(3), "platform": "mastodon", "account_id": "1093@mastodon.social"}
    gate.offer(mastodon)
    assert gate.stats.skipped == 1 and not read_jsonl(path)


# -- limits --------------------------------------------------------------------------------------


def test_beyond_the_hourly_quota_flags_are_held_then_released_when_the_hour_has_passed(
    tmp_path: Path,
) -> None:
    clock = Clock()
    gate, path = labels_gate(tmp_path, Limits(per_hour=2, per_day=None), clock)
    for n in range(3):
        gate.offer(verdict(n))
    assert [r["uri"] for r in read_jsonl(path)] == [did(0), did(1)]
    assert (
        gate.stats.held == 1
        and gate.stats.over_quota == 1
        and list(gate.held) == [("bluesky", did(2))]
    )
    clock.now = T0 + HOUR_S - 1
    gate.release()
    assert len(read_jsonl(path)) == 2  # the hour is not over
    clock.now = T0 + HOUR_S
    gate.release()
    assert [r["uri"] for r in read_jsonl(path)] == [did(0), did(1), did(2)]
    assert gate.stats.held == 0


def test_beyond_the_daily_quota_flags_wait_for_the_day_not_the_hour(tmp_path: Path) -> None:
    clock = Clock()
    gate, path = labels_gate(tmp_path, Limits(per_hour=10, per_day=3), clock)
    for n in range(4):
        clock.now = T0 + n * HOUR_S
        gate.offer(verdict(n))
    assert len(read_jsonl(path)) == 3 and gate.stats.held == 1
    clock.now = T0 + 5 * HOUR_S
    gate.release()
    assert len(read_jsonl(path)) == 3
    clock.now = T0 + DAY_S  # the first of the day's three is 24 h old
    gate.release()
    assert len(read_jsonl(path)) == 4


def test_a_held_flag_cleared_before_its_turn_is_never_emitted(tmp_path: Path) -> None:
    clock = Clock()
    gate, path = labels_gate(tmp_path, Limits(per_hour=1), clock)
    gate.offer(verdict(1))
    gate.offer(verdict(2))  # held
    clock.now += 60
    gate.offer(verdict(2, "cleared"))
    clock.now += 2 * HOUR_S
    gate.release()
    assert [r["uri"] for r in read_jsonl(path)] == [did(1)]
    assert gate.stats.withdrawn == 1 and not gate.held


def test_a_withdrawal_is_never_held_by_the_quota(tmp_path: Path) -> None:
    clock = Clock()
    gate, path = labels_gate(tmp_path, Limits(per_hour=1), clock)
    gate.offer(verdict(1))
    gate.offer(verdict(1, "cleared"))
    assert [r["neg"] for r in read_jsonl(path)] == [False, True]


def test_the_same_label_on_the_same_account_is_not_applied_again_within_24_hours(
    tmp_path: Path,
) -> None:
    clock = Clock()
    gate, path = labels_gate(tmp_path, Limits(), clock)
    gate.offer(verdict(1))
    clock.now = T0 + 600
    gate.offer(verdict(1, "cleared"))
    clock.now = T0 + 1200
    gate.offer(verdict(1))  # flapping back: a repeat within 24 h
    clock.now = T0 + 1800
    gate.offer(verdict(1, "cleared"))  # nothing live to withdraw
    assert [r["neg"] for r in read_jsonl(path)] == [False, True]
    assert gate.stats.repeats == 1
    clock.now = T0 + DAY_S  # 24 h after it was applied
    gate.offer(verdict(1))
    assert [r["neg"] for r in read_jsonl(path)] == [False, True, False]


def test_a_dry_run_computes_and_counts_everything_and_emits_nothing(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "labels.jsonl"
    out = tmp_path / "changes.jsonl"
    gates = [
        Gate(LabelSink(LABELER, path=path, dry_run=True), Limits(per_hour=1), clock=clock),
        Gate(JsonlSink(out, dry_run=True), Limits(), clock=clock),
    ]
    for gate in gates:
        gate.offer(verdict(1, patterns=("link_reply_spam", "automation")))
        gate.offer(verdict(2))
    labels, jsonl = (gate.stats for gate in gates)
    assert labels.dry_run == 1 and labels.records == 2 and labels.held == 1
    assert jsonl.dry_run == 2 and jsonl.emitted == 0
    assert not path.exists() and not out.exists()


def test_the_limits_memory_survives_a_restart_beside_the_checkpoint(tmp_path: Path) -> None:
    """An account flagged before a restart and cleared after it loses its label; a flag held
    over quota before the restart is still held after it."""
    clock = Clock()
    checkpoint = tmp_path / "state.json"
    path = tmp_path / "labels.jsonl"

    def run() -> Fanout:
        gate = Gate(LabelSink(LABELER, path=path), Limits(per_hour=1), clock=clock)
        return Fanout([gate], state=state_path(checkpoint))

    first = run()
    first.offer(verdict(1))
    first.offer(verdict(2))  # over quota: held
    first.close(1.0)
    second = run()
    assert list(second.gates[0].held) == [("bluesky", did(2))]
    second.offer(verdict(1, "cleared"))
    assert [(r["uri"], r["neg"]) for r in read_jsonl(path)] == [(did(1), False), (did(1), True)]
    clock.now += HOUR_S
    second.gates[0].release()
    assert read_jsonl(path)[-1]["uri"] == did(2)
    second.close(1.0)


# -- the configuration ---------------------------------------------------------------------------


def test_the_yaml_file_sets_sinks_and_limits_and_each_sink_may_tighten_them(
    tmp_path: Path,
) -> None:
    settings_file = tmp_path / "sinks.yaml"
    settings_file.write_text(
        f"""
dry_run: true
limits: {{per_hour: 50, per_day: 400, no_repeat: 12h}}
jsonl: {{path: {tmp_path / "changes.jsonl"}}}
labels:
  src: {LABELER}
  path: {tmp_path / "labels.jsonl"}
  expire: 30d
  limits: {{per_hour: 5}}
"""
    )
    settings = config.load(settings_file)
    gates = config.build(settings)
    assert [gate.sink.name for gate in gates] == ["jsonl", "labels"]
    jsonl, labels = (gate.limits for gate in gates)
    assert (jsonl.per_hour, jsonl.per_day, jsonl.no_repeat_s) == (50, 400, 12 * HOUR_S)
    assert (labels.per_hour, labels.per_day, labels.no_repeat_s) == (5, 400, 12 * HOUR_S)
    assert all(gate.sink.stats is gate.stats for gate in gates) and settings.dry_run
    for gate in gates:
        gate.sink.close(0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sinks: [pager]", "unknown sink 'pager'"),
        ("labels: {path: l.jsonl}", "labeler's DID"),
        ("labels: {src: alice.example.com, path: l.jsonl}", "not a DID"),
        (f"labels: {{src: {LABELER}}}", "a file (path) or a labeler endpoint"),
        ("webhook: {timeout: 5s}", "needs a URL"),
        ("webhook: {url: ftp://x}", "http:// or https://"),
        ("webhook: {url: 'http://x', token_env: TIGERBLOOD_TEST_UNSET}", "is not set"),
        ("limits: {per_hour: -1}", "whole number"),
        ("limits: {per_huor: 5}", "unknown setting(s) per_huor"),
        ("jsonl: {path: x, colour: red}", "unknown setting(s) colour"),
    ],
)
def test_a_wrong_setting_is_refused_before_the_feed_opens(
    tmp_path: Path, text: str, message: str
) -> None:
    settings_file = tmp_path / "sinks.yaml"
    settings_file.write_text(text)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config.build(config.load(settings_file))


# -- a real HTTP receiver ------------------------------------------------------------------------


class Receiver:
    """A local HTTP server: answers each POST by ``plan`` (status, delay, and optionally a
    ``Retry-After`` value), then 200; ``times`` holds when each request came in."""

    def __init__(self) -> None:
        self.plan: list[tuple[int, float] | tuple[int, float, str]] = []
        self.delay = 0.0
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.times: list[float] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.requests.append((headers, body))
                    receiver.times.append(time.monotonic())
                    status, delay, *after = (
                        receiver.plan.pop(0) if receiver.plan else (200, receiver.delay)
                    )
                time.sleep(delay)
                with contextlib.suppress(OSError):  # the client may have timed out and left
                    self.send_response(status)
                    if after:
                        self.send_header("retry-after", after[0])
                    self.send_header("content-length", "0")
                    self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            block_on_close = False  # a slow answer must not hold up the test's end

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        serving = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        serving.start()

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [orjson.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05}


def wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_the_webhook_posts_each_change_as_its_verdict(receiver: Receiver) -> None:
    sink = WebhookSink(receiver.url, headers={"x-team": "mods"}, **FAST)
    gate = Gate(sink, Limits())
    changes = [verdict(1), verdict(2, patterns=("follow_farming",)), verdict(1, "cleared")]
    for change in changes:
        gate.offer(change)
    assert wait_for(lambda: sink.stats.emitted == 3)
    sink.close(1.0)
    assert receiver.bodies() == changes
    headers = [h for h, _ in receiver.requests]
    assert all(h["content-type"] == "application/json" and h["x-team"] == "mods" for h in headers)
    assert len({h["idempotency-key"] for h in headers}) == 3


def test_a_5xx_is_retried_with_backoff_until_delivered(receiver: Receiver) -> None:
    receiver.plan = [(503, 0.0), (500, 0.0)]
    sink = WebhookSink(receiver.url, retries=3, **FAST)
    sink.send(_change(verdict(1)))
    assert wait_for(lambda: sink.stats.emitted == 1)
    sink.close(1.0)
    assert (sink.stats.retries, sink.stats.failed) == (2, 0)
    assert len(receiver.requests) == 3 and len({b for _, b in receiver.requests}) == 1
    assert len({h["idempotency-key"] for h, _ in receiver.requests}) == 1  # the same change


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize(
    ("status", "retry_after", "max_s", "waits"),
    [
        (429, "1", 5.0, (0.9, 2.5)),  # seconds: waited as asked, not the drawn 0.01 s
        (503, "30", 0.4, (0.35, 1.5)),  # asked for more than the maximum backoff: capped
        (503, "HTTP-DATE+30", 0.4, (0.35, 1.5)),  # an HTTP date, capped the same way
        (429, "next tuesday", 5.0, (0.0, 0.5)),  # unreadable: the usual backoff
    ],
)
def test_a_429_or_503_retry_after_is_honoured_up_to_the_max_backoff_without_blocking_the_feed(
    receiver: Receiver, status: int, retry_after: str, max_s: float, waits: tuple[float, float]
) -> None:
    if retry_after.startswith("HTTP-DATE+"):
        retry_after = http_date(float(retry_after.split("+")[1]))
    receiver.plan = [(status, 0.0, retry_after)]
    sink = WebhookSink(receiver.url, retries=3, backoff_base_s=0.01, backoff_max_s=max_s)
    started = time.monotonic()
    sink.send(_change(verdict(1)))
    assert time.monotonic() - started < 0.1  # the feed's side never waits for the receiver
    assert wait_for(lambda: sink.stats.emitted == 1)
    sink.close(1.0)
    assert (sink.stats.retries, sink.stats.failed, len(receiver.times)) == (1, 0, 2)
    low, high = waits
    assert low <= receiver.times[1] - receiver.times[0] < high


def test_a_long_retry_after_never_holds_up_closing_the_sink(receiver: Receiver) -> None:
    receiver.plan = [(503, 0.0, "3600")]
    sink = WebhookSink(receiver.url, retries=3, backoff_base_s=0.01, backoff_max_s=3600.0)
    sink.send(_change(verdict(1)))
    assert wait_for(lambda: len(receiver.times) == 1)
    started = time.monotonic()
    sink.close(0.2)
    assert time.monotonic() - started < 1.5
    assert (sink.stats.emitted, sink.stats.dropped) == (0, 1)  # accounted for, not lost silently


def test_a_4xx_is_a_failure_counted_at_once_not_retried(receiver: Receiver) -> None:
    receiver.plan = [(400, 0.0)]
    sink = WebhookSink(receiver.url, retries=3, **FAST)
    sink.send(_change(verdict(1)))
    sink.send(_change(verdict(2)))
    assert wait_for(lambda: sink.stats.failed + sink.stats.emitted == 2)
    sink.close(1.0)
    assert (sink.stats.failed, sink.stats.emitted, sink.stats.retries) == (1, 1, 0)
    assert "HTTP 400" in sink.stats.last_error and len(receiver.requests) == 2


def test_a_webhook_that_is_down_never_stalls_the_feed_and_every_change_is_accounted_for() -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook"
    sink = WebhookSink(url, retries=2, queue_size=50, **FAST)
    gate = Gate(sink, Limits())
    started = time.monotonic()
    for n in range(2000):
        gate.offer(verdict(n))
    offered_in = time.monotonic() - started
    assert offered_in < 1.0, offered_in  # the feed's side never waited on the network
    sink.close(0.5)
    stats = sink.stats
    assert stats.emitted == 0 and stats.failed >= 1 and stats.retries >= 2
    assert stats.dropped >= 2000 - 50 - 100  # a full queue drops: counted, not blocking
    assert stats.failed + stats.dropped == 2000  # nothing unaccounted for
    assert "ConnectError" in stats.last_error


def test_a_slow_webhook_never_stalls_the_feed(receiver: Receiver) -> None:
    receiver.delay = 2.0  # answers after the client has given up
    sink = WebhookSink(receiver.url, timeout_s=0.2, retries=1, queue_size=5, **FAST)
    gate = Gate(sink, Limits())
    started = time.monotonic()
    for n in range(200):
        gate.offer(verdict(n))
    assert time.monotonic() - started < 0.5
    sink.close(0.3)
    stats = sink.stats
    assert stats.emitted == 0 and stats.dropped >= 200 - 5 - 2
    assert stats.failed + stats.dropped == 200 and "Timeout" in stats.last_error


def test_labels_go_to_a_labeler_endpoint_as_ozone_events_and_to_their_file(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.plan = [(502, 0.0)]
    path = tmp_path / "labels.jsonl"
    sink = LabelSink(LABELER, path=path, endpoint=receiver.url, retries=2, **FAST)
    gate = Gate(sink, Limits())
    gate.offer(verdict(1, patterns=("link_reply_spam", "automation")))
    gate.offer(verdict(1, "cleared"))
    assert wait_for(lambda: sink.stats.emitted == 2)
    sink.close(1.0)
    assert_lexicon_labels(read_jsonl(path))
    events = receiver.bodies()[1:]  # the first was answered 502, and retried
    assert sink.stats.retries == 1
    for event in events:
        models.ToolsOzoneModerationEmitEvent.Data.model_validate(event, context=STRICT)
    assert [e["event"]["createLabelVals"] for e in events] == [
        ["automation", "link-reply-spam"],
        [],
    ]
    assert events[1]["event"]["negateLabelVals"] == ["automation", "link-reply-spam"]


def _change(v: dict[str, Any]) -> Any:
    from tigerblood.stream.sinks.base import Change

    return Change(v, ("link-reply-spam",), (), T0)


# -- metrics ---------------------------------------------------------------------------------------


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(url, timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_metrics_endpoint_serves_the_counters_over_http(tmp_path: Path) -> None:
    tally = Tally(messages=1234, quarantined=3)
    tally.change(verdict(1, patterns=("link_reply_spam", "automation")))
    tally.change(verdict(2, patterns=("follow_farming",)))
    tally.change(verdict(1, "cleared"))
    sink = JsonlSink(tmp_path / "changes.jsonl")
    gate = Gate(sink, Limits())
    sink.stats.failed, sink.stats.dropped = 2, 5
    collector = WatchCollector(
        tally, [gate], newest_s=lambda: T0, accounts=lambda: 42, clock=lambda: T0 + 7.5
    )
    server, url = serve_metrics("127.0.0.1:0", collector)
    try:
        got = scrape(url)
    finally:
        server.shutdown()
        server.server_close()
        sink.close(0)
    assert got[("tigerblood_watch_messages_total", ())] == 1234
    assert got[("tigerblood_watch_quarantined_total", ())] == 3
    assert got[("tigerblood_watch_lag_seconds", ())] == 7.5
    assert got[("tigerblood_watch_accounts", ())] == 42
    assert got[("tigerblood_watch_flags_total", (("pattern", "link_reply_spam"),))] == 1
    assert got[("tigerblood_watch_flags_total", (("pattern", "follow_farming"),))] == 1
    assert got[("tigerblood_watch_changes_total", (("change", "cleared"),))] == 1
    assert got[("tigerblood_watch_sink_failed_total", (("sink", "jsonl"),))] == 2
    assert got[("tigerblood_watch_sink_dropped_total", (("sink", "jsonl"),))] == 5
    assert got[("tigerblood_watch_sink_held", (("sink", "jsonl"),))] == 0


@pytest.mark.parametrize("text", ["", "host:", "x:99999", "9464:abc"])
def test_a_metrics_address_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="PORT"):
        parse_address(text)


# -- the command, as a user runs it ----------------------------------------------------------------


@pytest.mark.slow
def test_watch_sends_to_every_sink_serves_metrics_and_stops_cleanly_on_sigterm(
    tmp_path: Path, receiver: Receiver
) -> None:
    sizes = Sizes(genuine=2, link_reply_spam=2, follow_farming=1, pitch_conversation=0, campaign=0)
    lines = generate(tmp_path, seed=5, sizes=sizes).events.read_bytes().splitlines()

    def jetstream(connection: ServerConnection) -> None:
        for line in lines:
            connection.send(line.decode())
        with contextlib.suppress(Exception):
            for _ in connection:  # then quiet, as a live feed with nothing new
                pass

    newest, live = 0, 0  # what a live feed yields: events past the newest so far (no replays)
    for line in lines:
        if (stamp := orjson.loads(line)["time_us"]) > newest:
            newest, live = stamp, live + 1
    out, labels, state = tmp_path / "changes.jsonl", tmp_path / "labels.jsonl", tmp_path / "st"
    port = closed_port()
    with serve(jetstream, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        source = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
        command = [
            *(sys.executable, "-m", "tigerblood.cli", "watch", source, "--window", "7d"),
            *("--no-model", "--checkpoint", str(state), "--out", str(out)),
            *("--sink", "jsonl", "--sink", "webhook", "--sink", "labels"),
            *("--webhook", receiver.url, "--labeler-did", LABELER, "--labels-out", str(labels)),
            *("--metrics", f"127.0.0.1:{port}"),
        ]
        watching = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        metrics: dict = {}

        def judged_everything() -> bool:
            nonlocal metrics
            with contextlib.suppress(httpx.HTTPError):
                metrics = scrape(f"http://127.0.0.1:{port}/metrics")
            flags = [v for (n, _), v in metrics.items() if n == "tigerblood_watch_flags_total"]
            read = metrics.get(("tigerblood_watch_messages_total", ()))
            return read == live and sum(flags) > 0

        try:
            assert wait_for(judged_everything, 60), metrics
            watching.send_signal(signal.SIGTERM)
            _, stderr = watching.communicate(timeout=30)
        finally:
            if watching.poll() is None:
                watching.kill()
            server.shutdown()
    assert watching.returncode == 0, stderr
    changes = read_jsonl(out)
    assert receiver.bodies() == changes  # the webhook had every change, as the file did
    flagged = [c for c in changes if c["change"] == "flagged"]
    assert_lexicon_labels(read_jsonl(labels))
    assert {r["uri"] for r in read_jsonl(labels)} == {c["account_id"] for c in flagged}
    assert metrics[("tigerblood_watch_lag_seconds", ())] > 0
    assert "stopped" in stderr and "webhook: " in stderr and "emitted" in stderr
    assert orjson.loads(state.read_bytes())["cursor"] > 0
    assert state_path(state).exists()


@pytest.mark.parametrize("module", ["durations", "metrics", "sinks.labels", "sinks.limits"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(f"tigerblood.stream.{module}")).failed == 0
