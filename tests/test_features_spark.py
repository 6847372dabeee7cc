"""The feature expression gives the same table on Spark as on DuckDB (DESIGN §3.5).

One Ibis expression, two engines: a generated Bluesky scenario (follows, replies, conversations,
campaigns) goes through both (the demo's Cresci-2015 sample does in tests/test_spark_scan.py),
and every feature of every account must agree: exactly, but for floating-point sums taken in
another order and the decimal rounding of spans in days (`tests/spark_support.py`).

Known gap: Spark's epoch seconds drop the fraction of a second (Ibis compiles ``epoch_seconds`` to
``unix_timestamp``), so time spans and intervals of sub-second timestamps (Bluesky's) differ by up
to a second there. Both engines are given whole-second times, as Twitter data has; the gap is
documented in docs/features.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.spark_support import same
from tigerblood.campaigns import find_campaigns
from tigerblood.conversations import build_conversations
from tigerblood.features.compute import compute_features
from tigerblood.ingest.pipeline import ingest
from tigerblood.store import Store
from tigerblood.testing.scenarios import Sizes, generate

if os.environ.get("CI") != "true":  # CI installs the spark extra: there the test must run
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
from pyspark.sql import SparkSession

from tigerblood.features.spark import compute_features_spark

TIME_COLUMNS = {"posts": ["created_at"], "follows": ["created_at", "observed_at"]}
TIME_COLUMNS |= {"accounts": ["created_at", "observed_at"]}


def judged_store(source: Path) -> Store:
    """A store with what ``scan`` computes before its features."""
    store = Store()
    ingest([source], store)
    for table, columns in TIME_COLUMNS.items():  # whole seconds: the known gap above
        sets = ", ".join(f"{c} = date_trunc('second', {c})" for c in columns)
        store.sql(f"UPDATE {table} SET {sets}")
    build_conversations(store)
    find_campaigns(store)
    return store


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sizes = Sizes(genuine=12, link_reply_spam=2, follow_farming=2, pitch_conversation=2, campaign=5)
    return generate(tmp_path_factory.mktemp("parity"), seed=11, sizes=sizes).events


@pytest.mark.slow
def test_spark_computes_every_feature_as_duckdb_does(spark: SparkSession, scenario: Path) -> None:
    """From a store moved to Spark (``compute_features_spark``). The demo sample's features are
    compared in tests/test_spark_scan.py, whose Spark scan computes them anyway: running the
    sample's feature query on Spark twice cost the suite a minute and a half."""
    store = judged_store(scenario)
    duck = compute_features(store)
    on_spark = compute_features_spark(spark, store)
    assert on_spark.column_names == duck.column_names
    by_key = {(r["platform"], r["account_id"]): r for r in on_spark.to_pylist()}
    rows = duck.to_pylist()
    assert len(by_key) == len(rows) > 10
    differences = [
        (row["account_id"], column, value, by_key[(row["platform"], row["account_id"])][column])
        for row in rows
        for column, value in row.items()
        if not same(column, value, by_key[(row["platform"], row["account_id"])][column])
    ]
    assert differences == []
