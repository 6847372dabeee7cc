"""`tigerblood watch` throughput against a bare ``orjson.loads`` of the same messages, in one run.

The messages are what ``watch bluesky`` subscribes to (posts, reposts, follows, profiles), drawn
with the real firehose mix of ``bench/jetstream.py`` (JSONBench's 1M-event Bluesky sample)
and that file's generator, then fed to the stream engine from memory, as a live socket would
hand them over: micro-batches of ``--batch`` messages (a live feed cuts one at that count or
after ``flush_s``, whichever comes first), a 24-hour window, every judgeable touched account
judged after each micro-batch, with the learned model and without. The engine starts first
(detectors, model, compiled SQL), as ``watch`` starts it before the feed opens: that time is
printed apart, paid once, not in the rate. The baseline parses every
message and does nothing else. Likes, half of the firehose, are not asked for by ``watch``, so
about half of the generated events reach it.

The default volume is that of the real sample, 1M firehose events, and so is the density: from
70,000 accounts, posts come 1.74 per posting account and follows 4.87 per following account,
against 1.72 and 5.28 in JSONBench's sample (its query Q2: 86,812 posts by 50,489 accounts,
337,978 follows by 64,023). Density decides the work: an account that comes back reaches what a
detector reads and is judged. ``--accounts 20000 --events 400000`` is a denser stream (4.4 posts
per posting account) for comparison.

At the end, one run of the conversation and campaign steps over the window is timed, with the
judging of the accounts it changed: the feed waits for them every 6 hours of feed time.

Latency is simulated from the measured time of every micro-batch: messages arrive at ``--rate``
per second (a busy hour of the collections ``watch`` asks for), a batch is cut when full or
``--flush`` seconds after its first message, and is processed when the previous one is done; an
event's latency is from its arrival to the end of its batch's processing. p50/p99 over events.

    .venv/bin/python bench/stream.py [--events N] [--accounts N] [--batch 2000] [--rate 5000]
        [--flush 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import tempfile
import time
from collections import Counter
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


def density(lines: list[bytes]) -> tuple[float, float]:
    """Posts per posting account and follows per following account among ``lines``: how
    often an account comes back, which decides how many accounts reach what a detector reads
    (JSONBench's real 1M-event sample: 1.72 and 5.28)."""
    posts: Counter[str] = Counter()
    follows: Counter[str] = Counter()
    for line in lines:
        event = orjson.loads(line)
        commit = event.get("commit") or {}
        if commit.get("operation") == "create":
            collection = commit.get("collection")
            if collection == "app.bsky.feed.post":
                posts[event["did"]] += 1
            elif collection == "app.bsky.graph.follow":
                follows[event["did"]] += 1
    return (
        posts.total() / max(len(posts), 1),
        follows.total() / max(len(follows), 1),
    )


def baseline(lines: list[bytes]) -> float:
    started = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return time.perf_counter() - started


def stream(
    lines: list[bytes], use_model: bool, batch: int
) -> tuple[float, list[float], float, int, StreamEngine]:
    """Seconds the engine took to start (``watch`` does it before the feed opens), seconds each
    micro-batch of ``batch`` messages took, the process's CPU seconds over all of them (on a
    shared machine wall time swings with others' load; CPU time much less), changes reported,
    the engine."""
    engine = StreamEngine(StreamSettings(window_s=24 * 3600.0, use_model=use_model))
    began = time.perf_counter()
    engine.warm_up()
    startup = time.perf_counter() - began
    changes = 0
    took: list[float] = []
    cpu = 0.0

    def count(_: dict) -> None:
        nonlocal changes
        changes += 1

    for start in range(0, len(lines), batch):
        began, cpu_began = time.perf_counter(), time.process_time()
        watch(
            lines[start : start + batch],
            engine,
            batch_size=batch,
            flush_s=math.inf,
            on_change=count,
            confirm_at_end=False,
        )
        took.append(time.perf_counter() - began)
        cpu += time.process_time() - cpu_began
    return startup, took, cpu, changes, engine


def latencies(took: list[float], batch: int, rate: float, flush: float) -> list[float]:
    """Sampled arrival-to-report latencies when messages arrive at ``rate`` per second.

    A live batch holds ``size`` messages (full, or what came within ``flush`` seconds); when
    that is smaller than the measured batches, each measured batch's time is shared evenly
    among the live batches it stands for."""
    size = min(batch, max(1, int(rate * flush)))
    parts = max(1, batch // size)
    out: list[float] = []
    free = n = 0.0
    for seconds in took:
        for _ in range(parts):
            full = (n + size) / rate  # the batch is cut when its last message arrives
            free = max(full, free) + seconds / parts
            out.extend(free - (n + i) / rate for i in range(0, size, max(1, size // 20)))
            n += size
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="firehose events generated")
    parser.add_argument("--accounts", type=int, default=70_000, help="DIDs the events come from")
    parser.add_argument("--batch", type=int, default=2000, help="messages per micro-batch")
    parser.add_argument("--rate", type=float, default=5000.0, help="messages/s for latency")
    parser.add_argument("--flush", type=float, default=1.0, help="seconds before a batch is cut")
    parser.add_argument(
        "--repeat", type=int, default=1, help="passes of each kind (the median is printed too)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "firehose.jsonl"
        generate(path, args.events, accounts=args.accounts)
        lines = subscribed(path)
    per_poster, per_follower = density(lines)
    print(
        f"{len(lines):,} messages for watch (of {args.events:,} firehose events generated by "
        f"{args.accounts:,} accounts); {per_poster:.2f} posts per posting account, "
        f"{per_follower:.2f} follows per following account (JSONBench's 1M sample: 1.72, 5.28)"
    )
    cpu_began = time.process_time()
    bare = baseline(lines)
    bare_cpu = time.process_time() - cpu_began
    print(
        f"baseline orjson.loads: {bare:.2f} s, {len(lines) / bare:,.0f} messages/s "
        f"(CPU {len(lines) / bare_cpu:,.0f}/s)"
    )
    engine: StreamEngine | None = None
    for use_model in (False, True):
        rates = []
        for _ in range(args.repeat):
            engine = None  # the finished pass's engine goes before the next pass starts
            engine, rate = one_pass(lines, use_model, args, bare)
            rates.append(rate)
        if args.repeat > 1:
            label = "model on " if use_model else "rules only"
            print(
                f"  {label}: median {statistics.median(rates):,.0f} messages/s of "
                f"{args.repeat} passes (min {min(rates):,.0f}, max {max(rates):,.0f})"
            )
    assert engine is not None
    cross(engine, rates[-1], args.rate)


def one_pass(
    lines: list[bytes], use_model: bool, args: argparse.Namespace, bare: float
) -> tuple[StreamEngine, float]:
    """One timed pass, printed; the engine and its rate in messages/s. The passes before it are
    collected first: the feed freezes what survives a micro-batch out of the cycle collector
    (``tigerblood.stream.collector``), so a finished pass's engine would otherwise stay in
    memory beside this one."""
    gc.unfreeze()
    gc.collect()
    startup, took, cpu, changes, engine = stream(lines, use_model, args.batch)
    held = len(engine.states)
    seconds = sum(took)
    waits = sorted(latencies(took, args.batch, args.rate, args.flush))
    p50, p99 = waits[len(waits) // 2], waits[int(len(waits) * 0.99)]
    label = "watch, model on " if use_model else "watch, rules only"
    print(
        f"{label}: {seconds:.2f} s, {len(lines) / seconds:,.0f} messages/s, "
        f"{changes:,} changes, {held:,} accounts held; "
        f"ratio to baseline {bare / seconds:.3f} (time {seconds / bare:.0f}x); "
        f"latency at {args.rate:,.0f} msg/s: p50 {p50:.2f} s, p99 {p99:.2f} s; "
        f"CPU {cpu:.2f} s, {len(lines) / cpu:,.0f} messages/s of CPU time; "
        f"startup {startup:.2f} s (once, before the feed opens; not in the rate)"
    )
    return engine, len(lines) / seconds


def cross(engine: StreamEngine, capacity: float, rate: float) -> None:
    """Time one run of the conversation and campaign steps over the window, and the judging
    of the accounts it changed: the feed waits for both every ``cross_every_s`` of feed time
    (6 hours), so this is the latency of the messages that arrive meanwhile."""
    began = time.perf_counter()
    engine.refresh_cross()
    ran = time.perf_counter() - began
    began = time.perf_counter()
    engine.judge_cross_changes()
    judged = time.perf_counter() - began
    stall = ran + judged
    print(
        f"cross-account run over the window ({engine.cross.posts_held:,} posts): {ran:.2f} s, "
        f"judging those of the {len(engine.cross.changed):,} accounts it changed that a "
        f"detector can read {judged:.2f} s; "
        f"the feed waits {stall:.1f} s every 6 h of feed time, and at {rate:,.0f} msg/s "
        f"catches up in {stall * rate / max(capacity - rate, 1.0):.1f} s more"
    )


if __name__ == "__main__":
    main()
