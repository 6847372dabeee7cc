"""The Spark session a scan runs in: local threads by default, a cluster, or Spark Connect.

The settings are the ones the results depend on (UTC session time, string partition values) and
the ones a laptop run needs to stay quiet and small; a cluster's own sizing (executors, memory)
comes from ``spark-submit`` or the cluster's defaults, never from here.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOCAL = "local[*]"
"""Default master: every core of this machine, executors inside the driver's JVM."""

DRIVER_MEMORY = "2g"
"""Driver heap of a local run (only applies when this process starts the JVM). Issue 17's
target: 10x Cresci-2015 within 2 GB of driver memory. Nothing large is collected to the driver:
verdicts stream to the JSON Lines file one partition at a time."""

SETTINGS = {
    # Times are UTC in the model (DESIGN §3.1); Spark renders and truncates in the session zone.
    "spark.sql.session.timeZone": "UTC",
    # Partition folders hold platform names and days: keep them strings ("2014" stays "2014").
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Session settings, set on a local session, a cluster's and a Spark Connect server's alike (a
Connect client may set only SQL settings)."""

CLASSIC_SETTINGS = {"spark.ui.showConsoleProgress": "false"}
"""Settings of a session this process starts (local or a cluster's driver); a Connect server's
are its own."""

LOCAL_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.driver.memory": DRIVER_MEMORY,
    # A local run's shuffles are small: 200 partitions (the default) is 200 tiny tasks each.
    "spark.sql.shuffle.partitions": str(max(4, 2 * (os.cpu_count() or 1))),
}


SHUFFLE_INPUT_BYTES = 2 * 2**20
"""Model-table bytes (Parquet) per shuffle partition before adaptive execution merges small ones.
A task of the feature query holds its partition in a hash aggregate and sorts the output for a
join at once, and the aggregate cannot spill while it hands rows on: 10x Cresci-2015 (600 MB of
tables) ran a 2 GB driver out of memory in 4 partitions, and again in 76 once merged back to
adaptive execution's default 64 MB each (2026-12-07)."""

MERGED_PARTITION_BYTES = 16 * 2**20
"""The most shuffle data adaptive execution merges into one partition (its default: 64 MB)."""


PARTITIONS_KEY = "spark.sql.shuffle.partitions"
MERGED_KEY = "spark.sql.adaptive.advisoryPartitionSizeInBytes"


def size_shuffles(session: SparkSession, input_bytes: int) -> int:
    """Set the session's shuffle sizing for ``input_bytes`` of model tables
    (:func:`shuffle_settings`); returns the shuffle partitions set.

    >>> size_shuffles(build_session(), 600 * 2**20)  # doctest: +SKIP
    300
    """
    settings = shuffle_settings(
        session.conf.get(PARTITIONS_KEY), session.conf.get(MERGED_KEY), input_bytes
    )
    for key, value in settings.items():
        session.conf.set(key, value)
    return int(settings[PARTITIONS_KEY])


def shuffle_settings(
    partitions: str | None, merged: str | None, input_bytes: int
) -> dict[str, str]:
    """The shuffle settings for ``input_bytes`` of input, given the session's current
    ``partitions`` and merged-partition cap (as Spark prints them, None when unset): one
    partition per :data:`SHUFFLE_INPUT_BYTES`, merged partitions capped at
    :data:`MERGED_PARTITION_BYTES`.

    Only ever in the direction of smaller tasks (a cluster's own larger count or smaller cap is
    kept): adaptive execution merges partitions that turn out small, so a generous count costs
    little on small data, while too few is what runs a task out of memory on large data.

    >>> shuffle_settings("4", "64MB", 600 * 2**20)["spark.sql.shuffle.partitions"]
    '300'
    """
    wanted = max(int(partitions or 0), -(-input_bytes // SHUFFLE_INPUT_BYTES), 1)
    cap = min(_bytes(merged or "64m"), MERGED_PARTITION_BYTES)
    return {PARTITIONS_KEY: str(wanted), MERGED_KEY: str(cap)}


def _bytes(text: str) -> int:
    """A Spark size setting (``64MB``, ``64m``, ``67108864``) in bytes."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
    text = text.strip().lower().removesuffix("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def build_session(
    master: str | None = None, remote: str | None = None, app: str = "tigerblood-scan"
) -> SparkSession:
    """A session on ``master`` (default :data:`LOCAL`), or a Spark Connect session on ``remote``
    (``sc://host:15002``); an active session with the same master is reused.

    >>> spark = build_session()  # doctest: +SKIP
    """
    from pyspark.sql import SparkSession

    if master and remote:
        raise ValueError("give --master or --remote, not both")
    builder = SparkSession.builder.appName(app)
    if remote:
        builder = builder.remote(remote)
    else:
        for key, value in CLASSIC_SETTINGS.items():
            builder = builder.config(key, value)
        master = master or LOCAL
        builder = builder.master(master)
        if master.startswith("local"):
            # Local Python workers must import tigerblood: they run this interpreter, unless
            # the user chose one (PySpark reads only the environment variable, not a setting).
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            for key, value in LOCAL_SETTINGS.items():
                builder = builder.config(key, value)
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if not remote:
        session.sparkContext.setLogLevel("ERROR")
    return session
