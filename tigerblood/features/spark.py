"""The feature expressions on Spark: the same Ibis expression as on DuckDB, another engine.

For collections too large for one machine the model tables live in Spark; the features are then
computed there by :func:`tigerblood.features.compute.feature_expr`, unchanged (DESIGN §3.5). This
module gives the expression its tables on a Spark session: from a store (what the parity test
does, and a way to move a DuckDB collection to a cluster), or from tables already registered in
Spark under the model's names. Spark is an optional extra (``pip install tigerblood[spark]``,
Java 17 or later).

>>> from pyspark.sql import SparkSession  # doctest: +SKIP
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> features = compute_features_spark(spark, store)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from tigerblood.features.base import ModelTables
from tigerblood.features.compute import feature_expr
from tigerblood.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STORED_TABLES = (
    "accounts",
    "posts",
    "follows",
    "conversations",
    "conversation_turns",
    "campaigns",
    "campaign_members",
    "post_pitch",
)
"""The store's tables the feature families read: the model tables, and those the Python steps
(conversations, campaigns, pitch) stored before features run."""


def register_store(session: SparkSession, store: Store) -> None:
    """Each table of :data:`STORED_TABLES` the store holds, as a Spark temporary view."""
    from pyspark.sql.pandas.types import from_arrow_schema

    held = {name for (name,) in store.sql("SELECT table_name FROM information_schema.tables")}
    for name in STORED_TABLES:
        if name not in held:
            continue
        table = store.arrow(f"SELECT * FROM {name}")
        # Spark cannot take an empty Arrow table with time columns: give it the schema instead.
        frame = (
            session.createDataFrame(table)
            if table.num_rows
            else session.createDataFrame([], from_arrow_schema(table.schema))
        )
        frame.createOrReplaceTempView(name)


def spark_tables(session: SparkSession) -> ModelTables:
    """The model tables registered in ``session``, as Ibis tables on its PySpark backend."""
    backend = ibis.pyspark.connect(session)
    return ModelTables(
        accounts=backend.table("accounts"),
        posts=backend.table("posts"),
        follows=backend.table("follows"),
    )


def compute_features_spark(session: SparkSession, store: Store | None = None) -> pa.Table:
    """The feature table computed by Spark (from ``store`` when given, else from the tables
    already registered in ``session``); the same rows and columns as ``compute_features``."""
    if store is not None:
        register_store(session, store)
    return feature_expr(spark_tables(session)).to_pyarrow()
