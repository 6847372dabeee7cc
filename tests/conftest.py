"""Shared fixtures: paths to the bundled sample and to ../shared/data (required when CI=true)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "cresci-2015-sample"
SHARED = ROOT.parent / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` go first. Collected in file order, the slowest (Spark, the live
    feed) came last, and one worker ran them alone for minutes while the other sat idle; first,
    they overlap, and ``--dist worksteal`` evens out the short tests behind them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data; skipped on a developer machine without it, a failure in CI."""
    if not SHARED.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is required in CI")
        pytest.skip("../shared/data not present")
    return SHARED


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for every Spark test of a worker: starting the JVM costs about
    ten seconds. (Pinning both Spark modules to one worker with ``--dist loadgroup`` would save
    the second start, but pytest 9.2's structured node ids break xdist's grouping silently:
    pytest-dev/pytest-xdist#1386.)"""
    from tigerblood.spark.session import build_session

    session = build_session("local[2]", app="tigerblood-tests")
    yield session
    session.stop()
