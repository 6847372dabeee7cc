"""The compiled feature SQL is kept on disk and read back by the next process
(:mod:`tigerblood.features.sql_cache`): a `scan`, `audit` or `mirror` no longer spends seconds
compiling the same query; a changed layout is a new entry; a cache that cannot be written or is
damaged never stops the features from being computed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tigerblood import conversations, model
from tigerblood.features import compute, sql_cache
from tigerblood.store import Store

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def store_with_posts(*, with_threads: bool = False) -> Store:
    """Two accounts' posts; without step tables the expression holds stand-ins for them in
    memory, ``with_threads`` creates the conversation step's (another layout)."""
    store = Store()
    posts = [
        {
            "platform": "bluesky",
            "post_id": f"{account}{i}",
            "account_id": account,
            "created_at": T0 + timedelta(minutes=i),
            "text": f"post {i}",
            "urls": ["https://example.com/x"] if account == "spam" else [],
            "mentions": [],
            "hashtags": [],
        }
        for account in ("spam", "alice")
        for i in range(3)
    ]
    store.load("posts", model.to_table("posts", posts))
    if with_threads:
        conversations.ensure_tables(store)
    return store


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder, and this process's own memo emptied (restored after)."""
    monkeypatch.setenv(sql_cache.CACHE_ENV, str(tmp_path / "cache"))
    kept = dict(compute._COMPILED)
    compute._COMPILED.clear()
    yield tmp_path / "cache" / "feature-sql"
    compute._COMPILED.clear()
    compute._COMPILED.update(kept)


def test_the_next_process_runs_the_sql_it_finds_on_disk(cache: Path) -> None:
    first = compute.compute_features(store_with_posts())
    [entry] = list(cache.iterdir())
    assert (entry / "query.sql").read_text().lstrip().upper().startswith(("WITH", "SELECT"))
    assert list((entry / "memory").glob("*.arrow")), "the step tables' stand-ins are kept too"
    kept = sql_cache.load(entry.name)
    assert kept is not None
    assert (
        kept.schema == first.schema
        and kept.memory.keys() == next(iter(compute._COMPILED.values())).memory.keys()
    )
    # What the next process runs is the file, not a new compilation: a query edited on disk
    # (only its first row) is the query that runs.
    sql = (entry / "query.sql").read_text()
    (entry / "query.sql").write_text(f"SELECT * FROM ({sql}) LIMIT 1")
    compute._COMPILED.clear()  # a new process
    again = compute.compute_features(store_with_posts())
    assert first.num_rows == 2 and again.num_rows == 1
    assert again.to_pylist()[0] == first.to_pylist()[0]


def test_another_layout_is_another_entry(cache: Path) -> None:
    plain = compute.compute_features(store_with_posts())
    threaded = compute.compute_features(store_with_posts(with_threads=True))
    entries = list(cache.iterdir())
    assert len(entries) == 2
    stand_ins = sorted(len(list((e / "memory").glob("*.arrow"))) for e in entries)
    assert stand_ins[0] < stand_ins[1]  # the step tables are read from the store now
    assert threaded.num_rows == plain.num_rows == 2


def test_a_cache_that_cannot_be_written_only_costs_the_compilation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(sql_cache.CACHE_ENV, str(blocker))
    assert compute.compute_features(store_with_posts()).num_rows == 2
    assert sql_cache.load(sql_cache.cache_key(compute._layout(store_with_posts()))) is None


def test_a_damaged_entry_is_compiled_again_and_replaced(cache: Path) -> None:
    expected = compute.compute_features(store_with_posts()).to_pylist()
    [entry] = list(cache.iterdir())
    schema = entry / "schema.arrow"
    schema.write_bytes(schema.read_bytes()[:20])  # cut short, as by a full disk
    compute._COMPILED.clear()
    assert compute.compute_features(store_with_posts()).to_pylist() == expected
    assert sql_cache.load(entry.name) is not None
