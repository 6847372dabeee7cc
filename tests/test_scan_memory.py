"""A step that runs out of DuckDB's memory budget is run again with more, not lost.

The operators here are DuckDB's real ones: a list aggregate cannot spill, so a budget too small
for it raises DuckDB's own OutOfMemoryException.
"""

from __future__ import annotations

import logging

import duckdb
import pytest

from tigerblood import scan as scan_module
from tigerblood.scan import bound_memory, with_room
from tigerblood.store import Store

NEEDS_MEMORY = "SELECT len(list(i)) FROM range(2000000) t(i)"
"""A list of two million numbers: about 16 MB that must stay in memory (measured: fails at 32
MB, runs at 64 MB)."""


def setting(store: Store) -> str:
    return str(store.sql("SELECT current_setting('memory_limit')")[0][0])


def bounded(monkeypatch: pytest.MonkeyPatch, megabytes: int) -> Store:
    """A store with the scan's budget set to ``megabytes``, as :func:`bound_memory` sets it."""
    monkeypatch.setattr(scan_module, "MEMORY_LIMIT_MB", megabytes)
    monkeypatch.setattr(scan_module, "MEMORY_LIMIT", f"{megabytes}MB")
    store = Store()
    bound_memory(store)
    return store


def test_a_step_out_of_budget_runs_again_with_double_until_it_fits(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = bounded(monkeypatch, 8)
    with pytest.raises(duckdb.OutOfMemoryException):  # as a scan without the retry met it
        store.sql(NEEDS_MEMORY)
    runs = []

    def step() -> int:
        runs.append(setting(store))
        return int(store.sql(NEEDS_MEMORY)[0][0])

    with caplog.at_level(logging.WARNING, logger="tigerblood.scan"):
        assert with_room(store, step, "the test query") == 2_000_000
    assert len(runs) >= 3 and runs[0] != runs[-1]  # 8 MB, 16 MB, 32 MB, ... until it fit
    assert "the test query ran out of DuckDB's memory budget" in caplog.text
    # The next step starts from the raised budget, not from the default again.
    before = setting(store)
    assert with_room(store, lambda: store.sql("SELECT 1")[0][0], "a small query") == 1
    assert setting(store) == before
    store.close()


def test_past_the_ceiling_the_error_is_duckdbs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "physical_memory_mb", lambda: 40)  # a ceiling of 20 MB
    store = bounded(monkeypatch, 8)
    with pytest.raises(duckdb.OutOfMemoryException):
        with_room(store, lambda: store.sql(NEEDS_MEMORY), "the test query")
    twenty = Store()
    twenty.sql("SET memory_limit = '20MB'")
    assert setting(store) == setting(twenty)  # raised to the ceiling, then DuckDB's error
    store.close()


def test_a_store_the_scan_did_not_bound_keeps_its_own_budget() -> None:
    """The reports judge a store opened without the scan's budget (DuckDB's default, most of
    the machine's memory): a retry would lower it, so its error is passed on as it is."""
    store = Store()
    store.sql("SET memory_limit = '8MB'")  # the store's own setting, not the scan's
    with pytest.raises(duckdb.OutOfMemoryException):
        with_room(store, lambda: store.sql(NEEDS_MEMORY), "the test query")
    eight = Store()
    eight.sql("SET memory_limit = '8MB'")
    assert setting(store) == setting(eight)
    store.close()
