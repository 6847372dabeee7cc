"""The two-process Jetstream reader gives the same tables, stats and quarantine as one process."""

from __future__ import annotations

import os
import random
import resource
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from tigerblood.ingest.bluesky import parallel as bluesky_parallel
from tigerblood.ingest.bluesky.jetstream import JetstreamAdapter, idle_cores
from tigerblood.testing.scenarios import generate

FIXTURE = Path(__file__).parent / "data" / "bluesky" / "jetstream.jsonl"
LIKE_POST = "app.bsky.feed.post"


def read_all(path: Path, workers: int) -> tuple[dict[str, list], dict, object]:
    adapter = JetstreamAdapter()
    adapter.workers = workers
    adapter.parallel_bytes = 0
    tables: dict[str, list[pa.Table]] = {}
    for batch in adapter.read(path):
        tables.setdefault(batch.table, []).append(batch.data)
    rows = {name: pa.concat_tables(parts).to_pylist() for name, parts in tables.items()}
    return rows, dict(adapter.stats), adapter.unmapped()


def likes_and_follows(count: int, seed: int = 5) -> bytes:
    """Jetstream like and follow creates, a tenth of them malformed, some follows undone."""
    rng = random.Random(seed)
    dids = [f"did:plc:{n:024d}" for n in range(50)]
    lines = []
    for n in range(count):
        did, when = rng.choice(dids), 1_741_100_500_000_000 + n * 1000
        created = f"2025-03-04T15:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z"
        if rng.random() < 0.5:
            author = rng.choice([*dids, "alice.example.com"])
            subject: object = {"uri": f"at://{author}/{LIKE_POST}/{n}", "cid": "bafyrei"}
            collection = "app.bsky.feed.like"
        else:
            subject, collection = rng.choice(dids), "app.bsky.graph.follow"
        if rng.random() < 0.1:
            subject = rng.choice([None, "https://example.org", {"uri": 7}, {"uri": "at://x"}])
        record = {"$type": collection, "createdAt": created, "subject": subject}
        commit = {"rev": "3l", "operation": "create", "collection": collection, "rkey": f"r{n}"}
        if collection.endswith("follow") and rng.random() < 0.2:
            commit["rkey"] = f"r{rng.randrange(n + 1)}"  # an unfollow, maybe of nothing here
            commit["operation"] = "delete"
        else:
            commit["record"] = record
        event = {"did": did, "time_us": when, "kind": "commit", "commit": commit}
        lines.append(orjson.dumps(event))
    return b"\n".join(lines) + b"\n"


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated scenario, the hand-built fixture (bad lines, unfollows, likes...), then
    generated likes and follows (malformed ones too) across many batches."""
    folder = tmp_path_factory.mktemp("jet")
    scenario = generate(folder / "scenario", seed=3)
    path = folder / "mixed.jsonl"
    with path.open("wb") as out:
        out.write(scenario.events.read_bytes())
        out.write(FIXTURE.read_bytes())
        out.write(likes_and_follows(3000))
    return path


@pytest.mark.parametrize("block", [1 << 22, 1 << 14, 3000])
def test_parallel_reader_matches_the_single_process_reader(
    mixed_file: Path, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = read_all(mixed_file, workers=1)
    monkeypatch.setattr(bluesky_parallel, "CHUNK_BYTES", block)
    parallel = read_all(mixed_file, workers=2)
    assert parallel[1] == single[1] and parallel[2] == single[2]
    assert set(parallel[0]) == set(single[0])
    for name, rows in single[0].items():
        if name in ("accounts", "quarantine"):
            assert sorted(map(str, parallel[0][name])) == sorted(map(str, rows)), name
        else:
            assert parallel[0][name] == rows, name
    assert single[0]["quarantine"], "the mixed file must exercise quarantine"
    assert len(single[0]["likes"]) > 1000, "and likes, across many batches"


@pytest.mark.parametrize(
    ("load", "expected"), [(0.0, 2), (0.6, 2), (1.4, 2), (1.6, 1), (2.5, 1), (7.0, 1)]
)
def test_worker_processes_are_used_only_on_cores_nobody_else_is_using(
    monkeypatch: pytest.MonkeyPatch, load: float, expected: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert idle_cores() == expected


def test_an_explicit_worker_count_is_kept_whatever_the_load(
    mixed_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))
    before = children_cpu()
    read_all(mixed_file, workers=1)
    assert children_cpu() == before  # one process: nothing forked
    read_all(mixed_file, workers=2)
    assert children_cpu() > before  # worker processes ran (and were reaped)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
