"""`tigerblood watch` throughput against a bare ``orjson.loads`` of the same messages, in one run.

The messages are what ``watch bluesky`` subscribes to (posts, reposts, follows, profiles), drawn
with the real firehose mix of ``bench/jetstream.py`` (JSONBench's 1M-event Bluesky sample)
and that file's generator, then fed to the stream engine from memory, as a live socket would
hand them over: micro-batches of 200, a 24-hour window, every touched account judged after each
micro-batch, with the learned model and without. The baseline parses every message and does
nothing else. Likes, half of the firehose, are not asked for by ``watch``, so about half of the
generated events reach it.

    .venv/bin/python bench/stream.py [--events N]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the generator of bench/jetstream.py

from jetstream import generate

from tigerblood.stream.engine import StreamEngine, StreamSettings
from tigerblood.stream.jetstream_live import DEFAULT_COLLECTIONS
from tigerblood.stream.watch import watch


def subscribed(path: Path) -> list[bytes]:
    """The generated lines Jetstream would send to ``watch`` (its collections, plus identity
    and account events, which Jetstream always sends)."""
    keep = []
    for line in path.read_bytes().splitlines():
        event = orjson.loads(line)
        collection = event.get("commit", {}).get("collection")
        if collection is None or collection in DEFAULT_COLLECTIONS:
            keep.append(line)
    return keep


def baseline(lines: list[bytes]) -> float:
    started = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return time.perf_counter() - started


def stream(lines: list[bytes], use_model: bool) -> tuple[float, int, int]:
    engine = StreamEngine(StreamSettings(window_s=24 * 3600.0, use_model=use_model))
    changes = 0

    def count(_: dict) -> None:
        nonlocal changes
        changes += 1

    started = time.perf_counter()
    watch(lines, engine, batch_size=200, flush_s=math.inf, on_change=count)
    return time.perf_counter() - started, changes, len(engine.states)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="firehose events generated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "firehose.jsonl"
        generate(path, args.events)
        lines = subscribed(path)
    print(f"{len(lines):,} messages for watch (of {args.events:,} firehose events generated)")
    bare = baseline(lines)
    print(f"baseline orjson.loads: {bare:.2f} s, {len(lines) / bare:,.0f} messages/s")
    for use_model in (False, True):
        seconds, changes, held = stream(lines, use_model)
        label = "watch, model on " if use_model else "watch, rules only"
        print(
            f"{label}: {seconds:.2f} s, {len(lines) / seconds:,.0f} messages/s, "
            f"{changes:,} changes, {held:,} accounts held; "
            f"ratio to baseline {bare / seconds:.3f} (time {seconds / bare:.0f}x)"
        )


if __name__ == "__main__":
    sys.exit(main())
