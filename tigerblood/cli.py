"""The command line. Exit codes: 0 done (quarantined records are counted, not fatal); 1 a source
could not be read at all (the others were still scanned) or an account was not found; 2 usage
error (bad option, missing argument).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tigerblood.collect.commands import collect_app
from tigerblood.scoring import DEFAULT_THRESHOLD
from tigerblood.store import Store
from tigerblood.stream.commands import watch_command
from tigerblood.web.commands import serve_command

if TYPE_CHECKING:
    from tigerblood.scan import ScanResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Tell real social engagement from manufactured engagement.",
)
app.add_typer(collect_app, name="collect")
app.command("watch")(watch_command)
app.command("serve")(serve_command)
out_console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@app.command("scan")
def scan_command(
    sources: Annotated[list[Path], typer.Argument(help="Files or folders to scan.")],
    format_name: Annotated[str | None, typer.Option("--format", help="Skip detection.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write verdicts as JSON Lines here.")] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Flag accounts at or above this score (default: the model's threshold for each "
            "account's platform, chosen on its training sources; "
            f"{DEFAULT_THRESHOLD} with --no-model)."
        ),
    ] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file to keep (default: memory).")] = None,
    config: Annotated[Path | None, typer.Option(help="YAML of detector thresholds.")] = None,
    model: Annotated[
        bool, typer.Option("--model/--no-model", help="Use the learned model with the rules.")
    ] = True,
    model_path: Annotated[
        Path | None, typer.Option(help="Model file from `tigerblood learn` (default: shipped).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="duckdb (embedded) or spark (docs/scale.md).")
    ] = "duckdb",
    master: Annotated[
        str | None, typer.Option(help="Spark master URL (default: local[*]).")
    ] = None,
    remote: Annotated[str | None, typer.Option(help="Spark Connect URL, sc://HOST:PORT.")] = None,
    tables: Annotated[
        str | None,
        typer.Option(help="Spark: folder or URI for the Parquet tables (default: beside --out)."),
    ] = None,
) -> None:
    """Scan sources and judge every account in them."""
    from tigerblood.detectors.registry import load_config
    from tigerblood.scan import scan, write_jsonl

    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("duckdb or spark", param_hint="--engine")
    if engine == "spark":
        from tigerblood.spark.commands import print_spark_summary, run_spark_scan

        if db is not None:
            raise typer.BadParameter("the spark engine keeps no DuckDB file", param_hint="--db")
        run = run_spark_scan(
            sources,
            format_name=format_name,
            out=out,
            threshold=threshold,
            config=load_config(config),
            use_model=model,
            model_path=model_path,
            master=master,
            remote=remote,
            tables=tables,
        )
        print_spark_summary(run, out, out_console, err_console)
        if run.ingest.failed_sources:
            raise typer.Exit(1)
        return
    store = Store(db)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("loading", total=None)
        result = scan(
            sources,
            store,
            format_name=format_name,
            threshold=threshold,
            config=load_config(config),
            use_model=model,
            model_path=model_path,
            on_rows=lambda n: progress.advance(task, n),
        )
    if out:
        write_jsonl(result.verdicts, out)
    print_summary(result, out)
    store.close()
    if result.ingest.failed_sources:
        raise typer.Exit(1)


def print_summary(result: ScanResult, out: Path | None) -> None:
    """Accounts, flagged per pattern, quarantined records, failed sources."""
    from tigerblood.scan import Tally, summary_rows

    for failure in result.ingest.failed_sources:
        err_console.print(f"[red]error:[/red] {escape(failure)}")
    table = Table(title="tigerblood scan", show_header=False)
    for label, value in summary_rows(Tally.of(result.verdicts), result.ingest, out):
        table.add_row(label, escape(value))
    out_console.print(table)


@app.command("explain")
def explain_command(
    account: Annotated[str, typer.Argument(help="platform:account_id, account id or handle.")],
    db: Annotated[Path, typer.Option(help="DuckDB file written by scan --db.")],
    json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Show one account's verdict with its evidence."""
    from tigerblood.explain import find_verdict, render_verdict

    if not db.exists():
        err_console.print(f"[red]error:[/red] {escape(str(db))}: no such database")
        raise typer.Exit(1)
    store = Store(db, read_only=True)
    verdict = find_verdict(store, account)
    store.close()
    if verdict is None:
        err_console.print(f"[red]error:[/red] no account {escape(account)} in {escape(str(db))}")
        raise typer.Exit(1)
    if json:
        sys.stdout.write(orjson.dumps(verdict, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        render_verdict(verdict, out_console)


@app.command("pitch")
def pitch_command(
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines file of texts.")],
    column: Annotated[str | None, typer.Option(help="Column holding the text.")] = None,
    id_column: Annotated[str | None, typer.Option(help="Column holding the row id.")] = None,
    threshold: Annotated[float, typer.Option(help="is_pitch when pitch_score >= this.")] = 0.5,
    out: Annotated[
        Path | None, typer.Option(help="Write JSON Lines here (default stdout).")
    ] = None,
) -> None:
    """Score texts for sales pitches, calls to action and self-promotion (one line per row)."""
    import contextlib

    from tigerblood.pitch.cli_support import PitchInputError, run_pitch  # sklearn: import lazily

    try:
        sink_cm = out.open("w", encoding="utf-8") if out else contextlib.nullcontext(sys.stdout)
        with sink_cm as sink:
            errors = run_pitch(file, column, sink, id_column=id_column, threshold=threshold)
    except PitchInputError as error:
        err_console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    if errors:
        err_console.print(f'{errors} rows not scored (see their "error" field)')


ReportAccount = Annotated[str, typer.Argument(help="Handle, account id or platform:account_id.")]
ReportSources = Annotated[list[Path] | None, typer.Argument(help="Files or folders to read.")]
ReportDb = Annotated[Path | None, typer.Option(help="DuckDB file (kept; reused without sources).")]
ReportOut = Annotated[
    Path | None, typer.Option(help="HTML file (default <command>-<handle>.html).")
]
ReportJson = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
ReportLang = Annotated[str, typer.Option(help="Language: en or fr.")]


@app.command("audit")
def audit_cli(
    account: ReportAccount,
    sources: ReportSources = None,
    db: ReportDb = None,
    out: ReportOut = None,
    json: ReportJson = False,
    lang: ReportLang = "en",
) -> None:
    """Audit an account's audience: how much of it is real."""
    from tigerblood.reports.commands import audit_command

    exit_with(audit_command(account, sources or [], db=db, out_html=out, as_json=json, lang=lang))


@app.command("mirror")
def mirror_cli(
    account: ReportAccount,
    sources: ReportSources = None,
    db: ReportDb = None,
    out: ReportOut = None,
    json: ReportJson = False,
    lang: ReportLang = "en",
) -> None:
    """How the detectors see an account: where it stands against genuine accounts."""
    from tigerblood.reports.commands import mirror_command

    exit_with(mirror_command(account, sources or [], db=db, out_html=out, as_json=json, lang=lang))


def exit_with(code: int) -> None:
    """Leave with ``code`` when a command returned a failure code."""
    if code:
        raise typer.Exit(code)


@app.command("campaigns")
def campaigns_cli(
    db: Annotated[Path, typer.Option(help="DuckDB file written by scan --db.")],
    limit: Annotated[int, typer.Option(help="Show the largest N campaigns.")] = 30,
    json: Annotated[bool, typer.Option("--json", help="One JSON object per campaign.")] = False,
) -> None:
    """List coordinated campaigns: one link or near-identical text pushed by many accounts."""
    from tigerblood.campaigns.commands import campaigns_command

    code = campaigns_command(
        db, limit=limit, as_json=json, console=out_console, err_console=err_console
    )
    if code:
        raise typer.Exit(code)


ReviewStores = Annotated[
    list[Path] | None,
    typer.Option(
        "--reviews", help="Store whose confirmed (1) / dismissed (0) reviews are labels too."
    ),
]


@app.command("learn")
def learn_command(
    out: Annotated[Path, typer.Option(help="Model file to write (JSON) beside its card.")],
    sources: Annotated[
        list[Path] | None, typer.Argument(help="Labelled sources (with labels).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    reviews: ReviewStores = None,
) -> None:
    """Train the gradient-boosted model, calibrated on out-of-fold predictions."""
    from tigerblood.learn.evaluate import learn_command as learn

    try:
        summary = learn(sources or [], out, seed=seed, reviews=reviews or [])
    except (ValueError, FileNotFoundError) as error:
        err_console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    out_console.print_json(data=summary)


@app.command("eval")
def eval_command(
    sources: Annotated[list[Path] | None, typer.Argument(help="Labelled sources.")] = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds, split by account.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    train: Annotated[list[Path] | None, typer.Option(help="Train on this dataset...")] = None,
    test: Annotated[list[Path] | None, typer.Option(help="...and report on this one.")] = None,
    leave_one_out: Annotated[
        bool,
        typer.Option(
            "--leave-one-out",
            help="Train on all SOURCES but one, judge the one left out as scan does; each in turn.",
        ),
    ] = False,
    cache: Annotated[
        Path | None, typer.Option(help="Folder caching each source's feature table.")
    ] = None,
    reviews: Annotated[
        Path | None,
        typer.Option("--reviews", help="Measure a store's verdicts against its reviews."),
    ] = None,
) -> None:
    """K-fold cross-validation (or train/test, or leave one source out) against baselines."""
    from tigerblood.learn.evaluate import eval_command as evaluate

    try:
        result = evaluate(
            sources or [],
            folds,
            seed,
            json,
            train=train,
            test=test,
            cache=cache,
            leave_one_out=leave_one_out,
            reviews=reviews,
        )
    except (ValueError, FileNotFoundError) as error:
        err_console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    if json:
        sys.stdout.write(orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY).decode() + "\n")
    else:
        out_console.print(escape(result["text"]), highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
