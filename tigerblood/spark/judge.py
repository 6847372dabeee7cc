"""Features, detectors and the model on Spark: one expression, then judged a partition at a time.

The feature table is the Ibis expression DuckDB runs (:func:`feature_expr`), compiled for Spark
over the views :mod:`tigerblood.spark.tables` and :mod:`tigerblood.spark.steps` registered. Every
detector and the learned model judge an account from its own feature row alone (rules compare a
row with thresholds, the model scores and explains a row), so a partition of rows is judged by
the very functions the DuckDB scan calls (:func:`run_detectors`, :func:`model_verdicts`) with
``mapInArrow``, and the verdicts are the same whichever rows share a partition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis.expr.operations as ops
import ibis.expr.types as ir
import orjson
import pyarrow as pa

from tigerblood.detectors.base import Detector
from tigerblood.detectors.registry import build_detectors
from tigerblood.evidence import KINDS
from tigerblood.features.compute import feature_expr
from tigerblood.features.spark import spark_tables
from tigerblood.scan import run_detectors
from tigerblood.scoring import DEFAULT_THRESHOLD, verdicts
from tigerblood.spark.shared_parts import compute_shared_parts
from tigerblood.spark.tables import Layout

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from tigerblood.learn.detector import LearnedDetector

JUDGED = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("score", pa.float64()),
        ("flagged", pa.bool_()),
        ("patterns", pa.list_(pa.string())),
        ("evidence_for", pa.list_(pa.string())),
        ("verdict", pa.string()),
    ]
)
"""A verdict row: the keys a query filters on, and the verdict itself as JSON (DESIGN §3.3).
``evidence_for`` names the detectors of a flagged account whose findings need posts attached."""

JUDGED_DDL = (
    "platform string, account_id string, handle string, score double, flagged boolean, "
    "patterns array<string>, evidence_for array<string>, verdict string"
)


def feature_frame(session: SparkSession, layout: Layout) -> tuple[DataFrame, pa.Schema]:
    """The feature expression as a Spark DataFrame over the registered views, its shared parts
    computed first under ``layout`` (:mod:`tigerblood.spark.shared_parts`), and the Arrow schema
    DuckDB's feature table has (Spark may widen or narrow a type on the way)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    tables = spark_tables(session)
    backend = tables.posts.get_backend()
    expr = feature_expr(tables)
    # A step table missing from the views would be an in-memory stand-in (features.stored).
    for op in expr.op().find(ops.InMemoryTable):
        schema = op.schema.to_pyarrow()
        session.createDataFrame([], from_arrow_schema(schema)).createOrReplaceTempView(op.name)

    def write(name: str, part: ir.Table) -> ops.Relation:
        where = layout.part(name)
        session.sql(backend.compile(part)).write.mode("overwrite").parquet(where)
        session.read.parquet(where).createOrReplaceTempView(name)
        return ops.DatabaseTable(name=name, schema=part.schema(), source=backend)

    schema = expr.schema().to_pyarrow()
    if isinstance(expr.op(), ops.Sort):
        # The rows are staged to Parquet and the verdicts ordered when written: sorting here
        # would run the whole query twice (Spark samples its input to range-partition a sort).
        expr = expr.op().parent.to_expr()
    expr = compute_shared_parts(expr, write, prefix="_feature_part")
    return session.sql(backend.compile(expr)), schema


def model_threshold(threshold: float | None, use_model: bool) -> float | None:
    """The flagging threshold as the DuckDB scan resolves it: given, the model's own for each
    account's platform (None), or 0.5 without the model."""
    if threshold is not None or use_model:
        return threshold
    return DEFAULT_THRESHOLD


@cache
def _detectors(config: str) -> list[Detector]:
    """The rule detectors of a worker, built once per configuration."""
    return build_detectors(orjson.loads(config))


@cache
def _learned(model_path: str | None) -> LearnedDetector:
    """The learned model of a worker, loaded once per path."""
    from tigerblood.learn.detector import LearnedDetector

    return LearnedDetector(model_path)


def judge_table(
    features: pa.Table,
    config: dict[str, dict[str, float]],
    threshold: float | None,
    model_path: str | None,
    use_model: bool,
) -> list[dict[str, Any]]:
    """Verdicts of a batch of feature rows, as :func:`tigerblood.scan.judge` makes them."""
    findings = run_detectors(features, _detectors(orjson.dumps(config).decode()))
    if use_model and features.num_rows:
        from tigerblood.learn.combine import model_verdicts

        return model_verdicts(features, findings, _learned(model_path), threshold)
    return verdicts(features, findings, DEFAULT_THRESHOLD if threshold is None else threshold)


def judged_row(verdict: dict[str, Any]) -> dict[str, Any]:
    """A verdict as a :data:`JUDGED` row."""
    needs = {f["detector"] for f in verdict["findings"] if f["detector"] in KINDS}
    return {
        "platform": verdict["platform"],
        "account_id": verdict["account_id"],
        "handle": verdict["handle"],
        "score": verdict["score"],
        "flagged": verdict["flagged"],
        "patterns": verdict["patterns"],
        "evidence_for": sorted(needs) if verdict["flagged"] else [],
        "verdict": orjson.dumps(verdict).decode(),
    }


def _judging(
    schema: pa.Schema,
    config: dict[str, dict[str, float]],
    threshold: float | None,
    model_path: str | None,
    use_model: bool,
) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """What each partition runs: its feature rows, cast to DuckDB's types, judged."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            features = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
            results = judge_table(features, config, threshold, model_path, use_model)
            yield pa.RecordBatch.from_pylist([judged_row(v) for v in results], schema=JUDGED)

    return run


def judge_frame(
    features: DataFrame,
    schema: pa.Schema,
    *,
    config: dict[str, dict[str, float]],
    threshold: float | None,
    use_model: bool,
    model_path: Path | None,
) -> DataFrame:
    """Every feature row judged where it lies, one verdict row per account."""
    path = str(model_path) if model_path else None
    return features.mapInArrow(_judging(schema, config, threshold, path, use_model), JUDGED_DDL)
