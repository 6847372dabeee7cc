"""Conversations and campaigns on Spark: the same steps as DuckDB's, one Spark task a platform.

Threads are rebuilt by walking reply chains to any depth, and campaigns come from MinHash over the
distinct texts plus windowed bursts and merged components: neither is portable Ibis (DESIGN
§3.5), and a second implementation in Spark SQL would be a second truth to keep equal. Both steps
only ever relate posts of one platform (every join and window is keyed by platform), so a
platform is the unit of work: each Spark task reads its platform's Parquet partition into a
memory-bounded DuckDB (spilling to the task's disk) and runs :func:`build_conversations` and
:func:`find_campaigns`, unchanged, then writes their tables as one Parquet file per platform.

Known limit (docs/scale.md): a platform is one task, so one platform's posts must fit one worker's
disk and take one worker's time; and near-duplicate texts are grouped within a platform, whereas
one DuckDB run groups the texts of every platform together (a text campaign's id can differ when a
run mixes platforms, and chains of near duplicates across platforms no longer join).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyarrow as pa
import pyarrow.dataset as ds

from tigerblood import conversations
from tigerblood.campaigns import clusters, find_campaigns
from tigerblood.conversations import build_conversations
from tigerblood.scan import bound_memory, with_room
from tigerblood.spark.tables import Layout, clear, hive, write_table
from tigerblood.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STEP_TABLES = ("conversations", "conversation_turns", "post_pitch", "campaigns", "campaign_members")
"""What the steps store and the feature families and the evidence read."""

COUNTS = pa.schema([("platform", pa.string()), ("step", pa.string()), ("rows", pa.int64())])


@cache
def step_schemas() -> dict[str, pa.Schema]:
    """Each step table's columns, as the steps create them."""
    store = Store()
    conversations.ensure_tables(store)
    clusters.ensure_tables(store)
    schemas = {t: store.arrow(f"SELECT * FROM {t} LIMIT 0").schema for t in STEP_TABLES}
    store.close()
    return schemas


def load_platform(store: Store, layout: Layout, platform: str) -> None:
    """The platform's posts and accounts from Parquet into ``store`` (the steps read both)."""
    for table, columns in (("posts", ["platform", "day"]), ("accounts", ["platform"])):
        source = ds.dataset(layout.model(table), format="parquet", partitioning=hive(columns))
        store.con.register("_partition", source)
        try:
            drop = "EXCLUDE (day)" if "day" in columns else ""
            store.sql(
                f"INSERT INTO {table} BY NAME SELECT * {drop} FROM _partition WHERE platform = ?",
                [platform],
            )
        finally:
            store.con.unregister("_partition")


def run_platform(layout: Layout, platform: str) -> dict[str, int]:
    """Both steps over one platform's posts; their tables written; rows per table returned."""
    store = Store()
    bound_memory(store)
    try:
        load_platform(store, layout, platform)
        with_room(store, lambda: build_conversations(store), "finding conversations")
        with_room(store, lambda: find_campaigns(store), "finding campaigns")
        counts = {}
        for table in STEP_TABLES:
            data = store.arrow(f"SELECT * FROM {table}")
            write_table(data, f"{layout.step(table)}/platform-{quote(platform, safe='')}.parquet")
            counts[table] = data.num_rows
    finally:
        store.close()
    return counts


def _task(root: str) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """What each Spark task runs: the steps of the platforms in its partition."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for platform in batch.column("platform").to_pylist():
                counts = run_platform(Layout(root), platform)
                rows = [{"platform": platform, "step": t, "rows": n} for t, n in counts.items()]
                yield pa.RecordBatch.from_pylist(rows, schema=COUNTS)

    return run


def run_steps(session: SparkSession, layout: Layout, platforms: list[str]) -> dict[str, int]:
    """Run the steps of every platform as Spark tasks, then register their tables as views;
    returns rows per table. Each table also gets an empty file, so it reads with its columns
    when no platform has posts."""
    for table, schema in step_schemas().items():
        clear(layout.step(table))
        write_table(schema.empty_table(), f"{layout.step(table)}/empty.parquet")
    totals = dict.fromkeys(STEP_TABLES, 0)
    if platforms:
        frame = session.createDataFrame([(p,) for p in platforms], "platform string")
        frame = frame.repartition(len(platforms), "platform")
        for row in frame.mapInArrow(_task(layout.root), COUNTS_DDL).collect():
            totals[row["step"]] += row["rows"]
    for table in STEP_TABLES:
        session.read.parquet(layout.step(table)).createOrReplaceTempView(table)
    return totals


COUNTS_DDL = "platform string, step string, rows long"
