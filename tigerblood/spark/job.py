"""The scan as a Spark job: sources -> Parquet model tables -> steps -> features -> verdicts.

Each stage writes its result as Parquet under the run's root before the next reads it, so Spark
never recomputes a stage for a second consumer (the verdicts feed both the evidence joins and the
output), and a person can open any stage's table afterwards. What reaches the driver is small:
the ingest report, step counts, and the verdicts streamed one partition at a time into the JSON
Lines file, tallied on the way for the summary.

>>> from tigerblood.spark.session import build_session  # doctest: +SKIP
>>> run = scan_spark(build_session(), [Path("examples/cresci-2015-sample")],  # doctest: +SKIP
...                  Layout.at("run"), out=Path("verdicts.jsonl"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from tigerblood.ingest.pipeline import IngestReport
from tigerblood.scan import Tally
from tigerblood.spark.evidence import with_evidence
from tigerblood.spark.judge import feature_frame, judge_frame, model_threshold
from tigerblood.spark.session import size_shuffles
from tigerblood.spark.steps import run_steps
from tigerblood.spark.tables import Layout, ingest_to_parquet, register_model, stored_bytes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KEYS = ["platform", "account_id"]


@dataclass
class SparkScan:
    """A Spark run: where its tables are, what ingest read, what the steps found, the tally."""

    layout: Layout
    ingest: IngestReport
    steps: dict[str, int]
    tally: Tally


def stage(frame: DataFrame, session: SparkSession, where: str) -> DataFrame:
    """Write ``frame`` as Parquet at ``where`` and read it back: computed once, kept to see."""
    frame.write.mode("overwrite").parquet(where)
    return session.read.parquet(where)


def write_verdicts(verdicts: DataFrame, out: Path | None) -> Tally:
    """Stream the verdicts in account order into ``out`` (JSON Lines), counting them."""
    tally = Tally()
    rows = verdicts.orderBy(*KEYS).select("verdict").toLocalIterator()
    handle = out.open("wb") if out else None
    try:
        for row in rows:
            tally.add(orjson.loads(row["verdict"]))
            if handle:
                handle.write(row["verdict"].encode())
                handle.write(b"\n")
    finally:
        if handle:
            handle.close()
    return tally


def scan_spark(
    session: SparkSession,
    sources: list[Path],
    layout: Layout,
    *,
    format_name: str | None = None,
    threshold: float | None = None,
    config: dict[str, dict[str, float]] | None = None,
    use_model: bool = True,
    model_path: Path | None = None,
    out: Path | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> SparkScan:
    """Judge every account in ``sources`` on ``session``; tables under ``layout``, verdicts
    also as JSON Lines in ``out``. Same arguments and verdicts as :func:`tigerblood.scan.scan`."""
    report, platforms = ingest_to_parquet(sources, layout, format_name=format_name, on_rows=on_rows)
    register_model(session, layout)
    size_shuffles(session, stored_bytes(f"{layout.root}/model"))
    steps = run_steps(session, layout, platforms)
    features, schema = feature_frame(session, layout)
    features = stage(features, session, layout.output("features"))
    judged = judge_frame(
        features,
        schema,
        config=config or {},
        threshold=model_threshold(threshold, use_model),
        use_model=use_model,
        model_path=model_path,
    )
    judged = stage(judged, session, layout.output("judged"))
    verdicts = stage(with_evidence(session, judged), session, layout.output("verdicts"))
    return SparkScan(layout, report, steps, write_verdicts(verdicts, out))
