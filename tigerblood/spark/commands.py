"""``tigerblood scan --engine spark``: the Spark job behind the scan command, and its summary.

The summary has the rows the DuckDB scan prints (``tigerblood.cli.print_summary``), counted from
the verdicts as they stream past rather than from a list of them, plus where the run's tables
are, since on Spark they are the output a cluster user reads next.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tigerblood.spark.job import SparkScan, scan_spark
from tigerblood.spark.session import build_session
from tigerblood.spark.tables import Layout


def default_root(out: Path | None) -> Path:
    """Where the tables go without ``--tables``: beside ``--out`` (``v.jsonl`` -> ``v.spark``),
    else a new temporary folder (kept: its path is printed)."""
    if out is not None:
        return out.with_suffix(".spark")
    return Path(tempfile.mkdtemp(prefix="tigerblood-spark-"))


def run_spark_scan(
    sources: list[Path],
    *,
    format_name: str | None,
    out: Path | None,
    threshold: float | None,
    config: dict[str, dict[str, float]],
    use_model: bool,
    model_path: Path | None,
    master: str | None,
    remote: str | None,
    tables: str | None,
) -> SparkScan:
    """Build the session, run the job, stop the session (a local one: its JVM goes with it)."""
    session = build_session(master, remote)
    try:
        return scan_spark(
            session,
            sources,
            Layout.at(tables or default_root(out)),
            format_name=format_name,
            threshold=threshold,
            config=config,
            use_model=use_model,
            model_path=model_path,
            out=out,
        )
    finally:
        session.stop()


def print_spark_summary(
    run: SparkScan, out: Path | None, console: Console, errors: Console
) -> None:
    """Accounts, flagged per pattern, quarantined records, rows read, where results are: the
    DuckDB scan's summary (:func:`tigerblood.scan.summary_rows`) and the tables' folder."""
    from tigerblood.scan import summary_rows

    for failure in run.ingest.failed_sources:
        errors.print(f"[red]error:[/red] {escape(failure)}")
    table = Table(title="tigerblood scan (spark)", show_header=False)
    for label, value in summary_rows(run.tally, run.ingest, out):
        table.add_row(label, escape(value))
    table.add_row("tables (Parquet) in", escape(run.layout.root))
    console.print(table)
