"""The stream path (DESIGN §3.6): windowed state gives the batch features, the batch detectors
judge it, checkpoints resume exactly, memory stays bounded, and `tigerblood watch` reads a real
websocket. Events are real Jetstream lines: the fixture capture and generated scenarios (exact
Jetstream format, known truth)."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.sync.server import ServerConnection, serve

from tigerblood.features import activity, graph, links, profile, replies, text
from tigerblood.features.compute import compute_features
from tigerblood.ingest.pipeline import ingest
from tigerblood.store import Store
from tigerblood.stream import checkpoint
from tigerblood.stream.commands import parse_duration
from tigerblood.stream.engine import StreamEngine, StreamSettings
from tigerblood.stream.jetstream_live import jetstream_messages
from tigerblood.stream.watch import watch
from tigerblood.testing.scenarios import Sizes, generate

CAPTURE = Path(__file__).parent / "data" / "bluesky" / "jetstream.jsonl"

STREAM_FEATURES = tuple(
    name for family in (activity, links, replies, graph, text, profile) for name in family.FEATURES
)
"""Every feature of the families the stream keeps, so a feature added to one of them fails the
parity test until the stream computes it; conversations and campaigns need the whole store."""

NO_CROSS: dict[str, Any] = {"cross_every_s": None}
"""For tests of the per-account state: the cross-account runs are tests/test_stream_parity.py's."""

SMALL = Sizes(genuine=30, link_reply_spam=3, follow_farming=3, pitch_conversation=2, campaign=5)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("stream"), seed=5, sizes=SMALL).events


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


BATCH = 250
"""Messages per micro-batch in replays (a live feed cuts batches by count or by time)."""


def replay(
    lines: list[bytes], settings: StreamSettings, batch_size: int = BATCH, **kwargs: Any
) -> tuple[StreamEngine, list]:
    engine = StreamEngine(settings)
    changes: list[dict] = []
    watch(
        lines,
        engine,
        batch_size=batch_size,
        flush_s=math.inf,
        on_change=changes.append,
        **kwargs,
    )
    return engine, changes


def batch_features(path: Path) -> dict[tuple[str, str], dict]:
    store = Store()
    ingest([path], store)
    return {(r["platform"], r["account_id"]): r for r in compute_features(store).to_pylist()}


def assert_same_features(stream: dict, batch: dict) -> None:
    """Equal on every account the batch has a row for. The stream also holds accounts seen only
    as the subject of someone's follow (no post, no profile): the batch has no row for those."""
    assert stream and set(stream) & set(batch)
    for key in set(stream) - set(batch):
        assert not stream[key]["observed_posts"], key
    for key, row in stream.items():
        if key not in batch:
            continue
        for name in STREAM_FEATURES:
            ours, theirs = row[name], batch[key][name]
            if isinstance(ours, float) and isinstance(theirs, float):
                assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9), (key, name)
            else:
                assert ours == theirs, (key, name, ours, theirs)


@pytest.mark.parametrize("source", ["capture", "scenario"])
def test_replayed_events_give_exactly_the_batch_features(source: str, scenario: Path) -> None:
    path = CAPTURE if source == "capture" else scenario
    engine, _ = replay(lines_of(path), StreamSettings(window_s=1e10, use_model=False, **NO_CROSS))
    stream = {(r["platform"], r["account_id"]): r for r in engine.features().to_pylist()}
    assert_same_features(stream, batch_features(path))


def test_after_the_window_slides_the_features_are_the_batch_features_of_the_window(
    scenario: Path, tmp_path: Path
) -> None:
    lines = lines_of(scenario)
    window_s = 2 * 86400.0
    engine, _ = replay(lines, StreamSettings(window_s=window_s, use_model=False, **NO_CROSS))
    horizon = engine.now_s - window_s
    kept = []
    # An event leaves the window window_s after the micro-batch that carried it arrived (the
    # batch's newest time_us), so the batch side keeps whole micro-batches.
    for start in range(0, len(lines), BATCH):
        chunk = [orjson.loads(line) for line in lines[start : start + BATCH]]
        arrival = max(event["time_us"] for event in chunk) / 1e6
        for line, event in zip(lines[start : start + BATCH], chunk, strict=True):
            collection = event.get("commit", {}).get("collection", "")
            timed = collection in ("app.bsky.feed.post", "app.bsky.graph.follow")
            if not timed or arrival >= horizon:
                kept.append(line)
    assert 0 < len(kept) < len(lines)  # the window did cut the capture
    window_file = tmp_path / "window.jsonl"
    window_file.write_bytes(b"\n".join(kept) + b"\n")
    batch = batch_features(window_file)
    stream = {
        (r["platform"], r["account_id"]): r
        for r in engine.features().to_pylist()
        if r["observed_posts"] or r["followers_count"] or r["following_count"]
    }
    assert engine.stats["expired"] > 0
    assert_same_features(stream, batch)


@pytest.mark.slow
def test_the_batch_detectors_flag_the_seeded_patterns_as_they_happen(tmp_path: Path) -> None:
    made = generate(tmp_path, seed=2, sizes=SMALL)
    _, changes = replay(lines_of(made.events), StreamSettings(window_s=7 * 86400.0))
    flagged = {v["account_id"]: v for v in changes if v["change"] == "flagged"}
    for pattern in ("link_reply_spam", "follow_farming"):
        truth = made.accounts(pattern)
        found = {a for a, v in flagged.items() if pattern in v["patterns"]}
        assert truth <= set(flagged), pattern
        assert found & truth, pattern
    spammer = flagged[next(iter(made.accounts("link_reply_spam")))]
    finding = next(f for f in spammer["findings"] if f["pattern"] == "link_reply_spam")
    posts = finding["evidence"]["posts"]
    assert posts and all(p["post_id"].startswith("at://") and p["links"] for p in posts)
    genuine = made.accounts("genuine")
    assert len(genuine & set(flagged)) <= 0.1 * len(genuine), genuine & set(flagged)


def test_accounts_no_rule_could_flag_are_not_judged_and_the_changes_are_the_same(
    scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = StreamSettings(window_s=7 * 86400.0, **NO_CROSS)
    skipping, changes = replay(lines_of(scenario), settings)
    assert skipping.stats["judgements_quiet"] > 0
    monkeypatch.setattr(StreamEngine, "_quiet", lambda self, keys, rows: [])
    judging, every = replay(lines_of(scenario), settings)
    assert judging.stats["judgements_quiet"] == 0
    assert [(v["account_id"], v["change"], v["score"]) for v in changes] == [
        (v["account_id"], v["change"], v["score"]) for v in every
    ]
    assert any(v["change"] == "flagged" for v in changes)


@pytest.mark.slow
def test_a_restart_from_the_checkpoint_neither_loses_nor_double_counts(
    scenario: Path, tmp_path: Path
) -> None:
    lines = lines_of(scenario)
    settings = StreamSettings(window_s=3 * 86400.0, use_model=False)
    whole, whole_changes = replay(lines, StreamSettings(window_s=3 * 86400.0, use_model=False))
    saved = tmp_path / "state.json"
    first = StreamEngine(settings)
    first_changes: list[dict] = []
    stop_after = (len(lines) // 2 // BATCH) * BATCH  # a restart between two micro-batches
    half = watch(
        lines,
        first,
        batch_size=BATCH,
        flush_s=math.inf,
        on_change=first_changes.append,
        checkpoint_path=saved,
        max_messages=stop_after,
    )
    resumed, cursor = checkpoint.load(saved, StreamSettings(use_model=False))
    assert cursor == half.cursor and resumed.settings.window_s == settings.window_s
    later: list[dict] = []
    report = watch(
        lines, resumed, cursor=cursor, batch_size=BATCH, flush_s=math.inf, on_change=later.append
    )
    assert report.skipped == stop_after  # Jetstream replays from the cursor: skipped
    assert resumed.features().to_pylist() == whole.features().to_pylist()

    def changes(items: list[dict]) -> list[tuple]:
        return [(v["account_id"], v["change"], tuple(v["patterns"])) for v in items]

    assert changes(first_changes) + changes(later) == changes(whole_changes)


def test_memory_stays_bounded_and_an_evicted_account_starts_afresh(scenario: Path) -> None:
    lines = lines_of(scenario)[:1000]
    engine, _ = replay(
        lines,
        StreamSettings(window_s=1e10, max_accounts=5, use_model=False, **NO_CROSS),
        batch_size=10,
    )
    assert len(engine.states) <= 5 + 2 * 10  # plus what the last micro-batch touched
    assert engine.stats["accounts_evicted"] > 0
    bounded = {(r["platform"], r["account_id"]): r for r in engine.features().to_pylist()}
    unbounded, _ = replay(
        lines, StreamSettings(window_s=1e10, use_model=False, **NO_CROSS), batch_size=10
    )
    full = {(r["platform"], r["account_id"]): r for r in unbounded.features().to_pylist()}
    # A re-created state counts only what came after it: never more than the whole history.
    for key, row in bounded.items():
        assert row["observed_posts"] <= full[key]["observed_posts"]


def test_malformed_messages_are_quarantined_with_their_place_and_the_run_goes_on() -> None:
    rows: list[dict] = []
    engine = StreamEngine(StreamSettings(use_model=False))
    report = watch(lines_of(CAPTURE), engine, batch_size=7, on_quarantine=rows.append)
    assert report.messages == 46 and engine.stats["posts"] > 0
    assert len(rows) == engine.stats["quarantined"] >= 5
    assert all(r["location"].startswith("jetstream:") and r["field"] for r in rows)
    assert any(r["field"] == "json" for r in rows)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("15m", 900.0),
        ("24h", 86400.0),
        ("7d", 604800.0),
        ("1.5h", 5400.0),
    ],
)
def test_durations_read_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-1h", "1w", "h"])
def test_a_duration_that_is_not_one_is_refused(text: str) -> None:
    import typer

    with pytest.raises(typer.BadParameter):
        parse_duration(text)


def run_watch(*args: str) -> subprocess.CompletedProcess[str]:
    """``tigerblood watch ARGS`` in its own process, as a user runs it."""
    command = [sys.executable, "-m", "tigerblood.cli", "watch", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def jetstream_server(scenario: Path) -> Iterator[str]:
    """A local websocket server sending the scenario's events, as Jetstream sends them."""
    lines = lines_of(scenario)

    def handler(connection: ServerConnection) -> None:
        for line in lines:
            connection.send(line.decode())
        connection.close()

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
        server.shutdown()


@pytest.mark.slow
def test_watch_reads_a_live_websocket_and_writes_the_changes(
    jetstream_server: str, scenario: Path, tmp_path: Path
) -> None:
    out, state = tmp_path / "changes.jsonl", tmp_path / "state.json"
    total = len(lines_of(scenario))
    done = run_watch(
        jetstream_server,
        *("--window", "7d", "--out", str(out), "--checkpoint", str(state)),
        *("--max-messages", str(total)),
    )
    assert done.returncode == 0, done.stderr
    verdicts = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert any(v["change"] == "flagged" for v in verdicts)
    assert f"{total:,} messages" in done.stderr and "flagged" in done.stderr
    assert orjson.loads(state.read_bytes())["cursor"] > 0


MASTODON_CAPTURE = Path(__file__).parent / "data" / "mastodon" / "stream_public.jsonl"


@pytest.mark.parametrize(
    ("source", "mastodon"),
    [
        ("mastodon:mastodon.social", True),
        ("wss://mastodon.social/api/v1/streaming?stream=public", True),
        (str(MASTODON_CAPTURE), True),
        ("bluesky", False),
        ("wss://jetstream2.us-east.bsky.network/subscribe", False),
        (str(CAPTURE), False),
    ],
)
def test_watch_tells_a_mastodon_feed_from_a_bluesky_one(source: str, mastodon: bool) -> None:
    from tigerblood.stream.commands import is_mastodon

    assert is_mastodon(source) == mastodon


@pytest.mark.slow
def test_watch_judges_a_mastodon_stream_capture_with_the_same_detectors(tmp_path: Path) -> None:
    out = tmp_path / "changes.jsonl"
    done = run_watch(str(MASTODON_CAPTURE), "--window", "7d", "--no-model", "--out", str(out))
    assert done.returncode == 0, done.stderr
    verdicts = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    flagged = [v for v in verdicts if v["change"] == "flagged"]
    assert flagged and all(v["platform"] == "mastodon" for v in flagged)
    assert all("@" in v["account_id"] for v in flagged)  # ids qualified with their server
    assert flagged[0]["findings"][0]["evidence"]["posts"]


def test_when_the_feed_refuses_then_watch_says_why_exits_1_and_keeps_its_checkpoint(
    tmp_path: Path,
) -> None:
    def refuse(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(403, "Forbidden\n")

    state = tmp_path / "state.json"
    with serve(lambda connection: None, "127.0.0.1", 0, process_request=refuse) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
        done = run_watch(url, "--checkpoint", str(state))
        server.shutdown()
    assert done.returncode == 1
    assert "error:" in done.stderr and "HTTP 403" in done.stderr and url in done.stderr
    assert state.exists()


def test_a_quiet_live_feed_is_judged_without_waiting_for_its_next_message(
    scenario: Path,
) -> None:
    lines = lines_of(scenario)
    hold = threading.Event()

    def handler(connection: ServerConnection) -> None:
        for line in lines:
            connection.send(line.decode())
        hold.wait(30)  # then silence, the connection still open
        connection.close()

    changes: list[dict] = []
    stop = threading.Event()
    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
        feed = jetstream_messages(url, stop=stop, max_reconnects=0, idle_ticks=True)
        engine = StreamEngine(StreamSettings(window_s=7 * 86400.0))
        # No batch fills, and the lines arrive well within flush_s: without idle ticks the only
        # flush would come with a message after the silence, or at the end of the feed.
        args = {"batch_size": 10 * len(lines), "flush_s": 5.0, "on_change": changes.append}
        runner = threading.Thread(target=watch, args=(feed, engine), kwargs=args, daemon=True)
        runner.start()
        deadline = time.monotonic() + 20
        while not changes and time.monotonic() < deadline:
            time.sleep(0.2)
        judged_while_quiet = bool(changes) and not hold.is_set()
        hold.set()
        stop.set()
        runner.join(30)
        server.shutdown()
    assert judged_while_quiet
    assert any(v["change"] == "flagged" for v in changes)
