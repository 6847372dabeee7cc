"""The compiled feature SQL is kept on disk and read back by the next process
(:mod:`tigerblood.features.sql_cache`): a `scan`, `audit` or `mirror` no longer spends seconds
compiling the same query; a changed layout is a new entry; a cache that cannot be written or is
damaged never stops the features from being computed. One compilation serves the module (it
costs seconds); each test works on its own copy of the entry."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
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


@dataclass(frozen=True)
class Compiled:
    entry: Path
    features: pa.Table


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compiled]:
    """The features of :func:`store_with_posts` computed once with an empty cache and an empty
    process memo (both as a new machine has them), and the entry that left on disk."""
    root = tmp_path_factory.mktemp("first")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(sql_cache.CACHE_ENV, str(root))
        kept = dict(compute._COMPILED)
        compute._COMPILED.clear()
        try:
            features = compute.compute_features(store_with_posts())
        finally:
            compute._COMPILED.clear()
            compute._COMPILED.update(kept)
    [entry] = list((root / "feature-sql").iterdir())
    yield Compiled(entry, features)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: Compiled) -> Iterator[Path]:
    """A cache holding a copy of the compiled entry, and this process's memo emptied, as in a
    new process (restored after)."""
    root = tmp_path / "cache"
    shutil.copytree(compiled.entry, root / "feature-sql" / compiled.entry.name)
    monkeypatch.setenv(sql_cache.CACHE_ENV, str(root))
    kept = dict(compute._COMPILED)
    compute._COMPILED.clear()
    yield root / "feature-sql" / compiled.entry.name
    compute._COMPILED.clear()
    compute._COMPILED.update(kept)


def test_the_first_process_keeps_the_query_its_schema_and_its_in_memory_tables(
    compiled: Compiled,
) -> None:
    assert compiled.features.num_rows == 2
    assert (
        (compiled.entry / "query.sql").read_text().lstrip().upper().startswith(("WITH", "SELECT"))
    )
    kept = sql_cache.load_from(compiled.entry)
    assert kept is not None and kept.schema == compiled.features.schema
    assert kept.memory, "the step tables' stand-ins are kept too"
    assert all(table.num_rows == 0 for table in kept.memory.values())


def test_the_next_process_runs_the_sql_it_finds_on_disk(cache: Path, compiled: Compiled) -> None:
    # A query edited on disk (to keep only its first row) is the query that runs: what the
    # next process runs is the file, not a new compilation.
    sql = (cache / "query.sql").read_text()
    (cache / "query.sql").write_text(f"SELECT * FROM ({sql}) LIMIT 1")
    again = compute.compute_features(store_with_posts())
    assert again.num_rows == 1
    assert again.to_pylist()[0] == compiled.features.to_pylist()[0]


def test_another_layout_is_another_key(cache: Path) -> None:
    plain = sql_cache.cache_key(compute._layout(store_with_posts()))
    threaded = sql_cache.cache_key(compute._layout(store_with_posts(with_threads=True)))
    assert plain == cache.name != threaded
    assert sql_cache.load(threaded) is None


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, cache: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    kept = sql_cache.load(cache.name)
    assert kept is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(sql_cache.CACHE_ENV, str(blocker))
        sql_cache.save(cache.name, kept)  # nothing raised: the next process compiles again
        assert sql_cache.load(cache.name) is None


def test_a_damaged_entry_is_dropped_and_a_whole_one_takes_its_place(cache: Path) -> None:
    whole = sql_cache.load(cache.name)
    assert whole is not None
    schema = cache / "schema.arrow"
    schema.write_bytes(schema.read_bytes()[:20])  # cut short, as by a full disk
    assert sql_cache.load(cache.name) is None
    assert not cache.exists()
    sql_cache.save(cache.name, whole)
    assert sql_cache.load(cache.name) == whole
    next(iter((cache / "memory").glob("*.arrow"))).unlink()  # a table the query reads, gone
    assert sql_cache.load(cache.name) is None and not cache.exists()
