"""The feature expressions on Spark: the same Ibis expression as on DuckDB, another engine.

For collections too large for one machine the model tables live in Spark; the features are then
computed there by :func:`tigerblood.features.compute.feature_expr`, unchanged (DESIGN §3.5).
This module gives the expression its tables: the model tables registered in a Spark session
under the model's names, as ``tigerblood scan --engine spark`` registers them
(:mod:`tigerblood.spark.judge` computes the query and stages it as Parquet). Spark is an
optional extra (``pip install tigerblood[spark]``, Java 17 or later).

>>> from pyspark.sql import SparkSession  # doctest: +SKIP
>>> tables = spark_tables(SparkSession.builder.getOrCreate())  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from tigerblood.features.base import ModelTables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_tables(session: SparkSession) -> ModelTables:
    """The model tables registered in ``session``, as Ibis tables on its PySpark backend."""
    backend = ibis.pyspark.connect(session)
    return ModelTables(
        accounts=backend.table("accounts"),
        posts=backend.table("posts"),
        follows=backend.table("follows"),
    )
