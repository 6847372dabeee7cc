"""The model tables as Parquet: what the adapters read, where Spark and its tasks find it.

Ingest is the pipeline DuckDB's scan runs (:func:`tigerblood.ingest.pipeline.ingest`): the same
adapters, entity extraction, key deduplication and quarantine, into a memory-bounded scratch
store on the driver, so that the tables a Spark run judges are the very tables a DuckDB run
judges. From there each model table is written as Parquet, partitioned by platform (and posts by
day too), which is what a cluster job reads from shared storage; the quarantine is written as its
own table beside the verdicts. Every path is a local folder or a URI Arrow can write (``s3://``,
``gs://``, ``hdfs://``), so the same layout serves a laptop and a cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pyarrow import fs

from tigerblood import model
from tigerblood.ingest.pipeline import IngestReport, ingest
from tigerblood.scan import bound_memory
from tigerblood.store import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

PLATFORM_TABLES = ("accounts", "posts", "follows", "likes", "account_snapshots")
"""Model tables written for Spark: every table a scan loads (labels never are, DESIGN §3.2)."""

FEATURE_INPUTS = ("accounts", "posts", "follows")
"""Model tables the feature expression reads (:class:`tigerblood.features.base.ModelTables`)."""

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
"""The folder name of a null partition value, for Arrow and Spark alike."""

BATCH_ROWS = 250_000
"""Rows read from the scratch store per Arrow batch while writing Parquet."""


@dataclass(frozen=True)
class Layout:
    """Where a Spark scan keeps its tables, under one root (a folder or a URI).

    >>> Layout.at("/data/run").model("posts")
    '/data/run/model/posts'
    """

    root: str

    @classmethod
    def at(cls, where: str | Path) -> Layout:
        """The layout under ``where``; a local folder is made absolute (tasks have other cwds)."""
        text = str(where)
        return cls(text.rstrip("/") if "://" in text else str(Path(text).resolve()))

    def model(self, table: str) -> str:
        """A model table (Parquet partitioned by platform, posts also by day)."""
        return f"{self.root}/model/{table}"

    def step(self, table: str) -> str:
        """A table stored by a cross-account step (one file per platform)."""
        return f"{self.root}/steps/{table}"

    def part(self, name: str) -> str:
        """A part of the feature query computed once (:mod:`tigerblood.spark.shared_parts`)."""
        return f"{self.root}/feature_parts/{name}"

    def output(self, name: str) -> str:
        """A table of the run's results: ``features``, ``judged``, ``verdicts``, ``quarantine``."""
        return f"{self.root}/{name}"


def partitions(table: str) -> list[str]:
    """The partition columns of a model table: posts by platform and day, others by platform."""
    return ["platform", "day"] if table == "posts" else ["platform"]


def hive(columns: list[str]) -> ds.Partitioning:
    """The hive partitioning of ``columns``, every value a string."""
    return ds.partitioning(pa.schema([(c, pa.string()) for c in columns]), flavor="hive")


def filesystem(uri: str) -> tuple[fs.FileSystem, str]:
    """The Arrow filesystem and path of a local path or URI."""
    return fs.FileSystem.from_uri(uri)


def stored_bytes(uri: str) -> int:
    """The bytes of every file under ``uri`` (0 when it does not exist)."""
    system, path = filesystem(uri)
    found = system.get_file_info(fs.FileSelector(path, recursive=True, allow_not_found=True))
    return sum(info.size or 0 for info in found if info.type == fs.FileType.File)


def write_table(table: pa.Table, uri: str) -> None:
    """One Parquet file at ``uri``, its folder made when missing."""
    system, path = filesystem(uri)
    system.create_dir(path.rsplit("/", 1)[0], recursive=True)
    pq.write_table(table, path, filesystem=system)


def clear(uri: str) -> None:
    """Empty the folder at ``uri`` (a re-run into the same root replaces its tables)."""
    system, path = filesystem(uri)
    system.create_dir(path, recursive=True)
    system.delete_dir_contents(path, missing_dir_ok=True)


def export_table(store: Store, table: str, layout: Layout) -> int:
    """Write ``table`` of the store as partitioned Parquet; returns its rows.

    Posts are sorted by platform and day so that each day's folder gets one file, not a file per
    batch that touched it. An empty table still gets a file (in the null partition), so Spark
    and the tasks always find a table with its columns.
    """
    columns = partitions(table)
    target = layout.model(table)
    clear(target)
    system, path = filesystem(target)
    rows = store.count(table)
    if rows == 0:
        schema = model.SCHEMAS[table]
        empty = schema.empty_table().drop_columns([c for c in columns if c in schema.names])
        folder = "/".join(f"{c}={NULL_PARTITION}" for c in columns)
        write_table(empty, f"{target}/{folder}/part-0.parquet")
        return 0
    query = (
        "SELECT *, strftime(created_at, '%Y-%m-%d') AS day FROM posts ORDER BY platform, day"
        if table == "posts"
        else f"SELECT * FROM {table}"
    )
    reader = store.con.sql(query).to_arrow_reader(BATCH_ROWS)
    ds.write_dataset(
        reader,
        path,
        filesystem=system,
        format="parquet",
        partitioning=hive(columns),
        basename_template="part-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_partitions=1_000_000,
        max_open_files=64,
    )
    return rows


POSTS_PER_FILE = 2_000_000
"""Posts per file of the copy the features read (:func:`export_posts_by_account`): a few
hundred MB."""


def export_posts_by_account(store: Store, layout: Layout) -> None:
    """The copy of posts the features read, clustered by account in files of
    :data:`POSTS_PER_FILE`, written while the posts are at hand.

    The feature query scans posts dozens of times, and each scan of the day folders (one small
    file per day) costs a task per few files: seconds per scan on Cresci-2015's six years, and
    reading them back only to rewrite them cost Spark half a minute on the demo sample.
    """
    target = layout.output("posts_by_account")
    clear(target)
    system, path = filesystem(target)
    reader = store.con.sql("SELECT * FROM posts ORDER BY platform, account_id").to_arrow_reader(
        BATCH_ROWS
    )
    ds.write_dataset(
        reader,
        path,
        filesystem=system,
        format="parquet",
        basename_template="part-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_rows_per_file=POSTS_PER_FILE,
        max_rows_per_group=min(POSTS_PER_FILE, 1 << 20),
    )


def ingest_to_parquet(
    sources: list[Path],
    layout: Layout,
    *,
    format_name: str | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> tuple[IngestReport, list[str]]:
    """Read ``sources`` with the ingest pipeline and write the model tables and the quarantine
    under ``layout``; returns the pipeline's report and the platforms that have posts."""
    store = Store()
    bound_memory(store)
    try:
        report = ingest(sources, store, format_name=format_name, on_rows=on_rows)
        for table in PLATFORM_TABLES:
            export_table(store, table, layout)
        export_posts_by_account(store, layout)
        clear(layout.output("quarantine"))
        write_table(
            store.arrow("SELECT * FROM quarantine ORDER BY source, location, field"),
            f"{layout.output('quarantine')}/part-0.parquet",
        )
        platforms = [str(p) for (p,) in store.sql("SELECT DISTINCT platform FROM posts ORDER BY 1")]
    finally:
        store.close()
    return report, platforms


def read_model(session: SparkSession, layout: Layout, table: str) -> DataFrame:
    """A model table as a Spark DataFrame with the model's columns and types.

    The schema is given, not inferred: a table with no rows has only the null partition, whose
    inferred type would be void, and the Parquet files' own types are the model's anyway.
    """
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = model.SCHEMAS[table]
    if table == "posts":
        schema = schema.append(pa.field("day", pa.string()))
    frame = session.read.schema(from_arrow_schema(schema)).parquet(layout.model(table))
    return frame.drop("day") if table == "posts" else frame


def register_model(session: SparkSession, layout: Layout) -> None:
    """The feature expression's model tables as temporary views under their own names; posts
    through the copy clustered by account (:func:`export_posts_by_account`)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    for table in FEATURE_INPUTS:
        if table == "posts":
            schema = from_arrow_schema(model.SCHEMAS["posts"])
            frame = session.read.schema(schema).parquet(layout.output("posts_by_account"))
        else:
            frame = read_model(session, layout, table)
        frame.createOrReplaceTempView(table)
