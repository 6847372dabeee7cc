"""The two-process Jetstream reader gives the same tables, stats and quarantine as one process."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tigerblood.ingest import bluesky_parallel
from tigerblood.ingest.bluesky_jetstream import JetstreamAdapter
from tigerblood.testing.scenarios import generate

FIXTURE = Path(__file__).parent / "data" / "bluesky" / "jetstream.jsonl"


def read_all(path: Path, workers: int) -> tuple[dict[str, list], dict, object]:
    adapter = JetstreamAdapter()
    adapter.workers = workers
    adapter.parallel_bytes = 0
    tables: dict[str, list[pa.Table]] = {}
    for batch in adapter.read(path):
        tables.setdefault(batch.table, []).append(batch.data)
    rows = {name: pa.concat_tables(parts).to_pylist() for name, parts in tables.items()}
    return rows, dict(adapter.stats), adapter.unmapped()


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated scenario followed by the hand-built fixture (bad lines, unfollows, ...)."""
    folder = tmp_path_factory.mktemp("jet")
    scenario = generate(folder / "scenario", seed=3)
    path = folder / "mixed.jsonl"
    with path.open("wb") as out:
        out.write(scenario.events.read_bytes())
        out.write(FIXTURE.read_bytes())
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
