"""The tabular layout (DESIGN §3.2): a folder of accounts/posts/follows/labels files.

CSV and Parquet are read by DuckDB, which reports rejected CSV lines (wrong column count, bad
UTF-8, oversized lines) with their line numbers; every value is read as text first and cast in
SQL, so a wrong type quarantines its record with the field named instead of failing the file.
JSON Lines are parsed line by line for the same reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from tigerblood import model
from tigerblood.ingest.base import Adapter, Batch, SourceError, quarantine_batch
from tigerblood.store import duck_type

log = logging.getLogger(__name__)

SUFFIXES = (".csv.gz", ".csv", ".parquet", ".jsonl", ".jsonl.gz", ".ndjson")
TABLES = ("accounts", "posts", "follows", "likes", "account_snapshots", "labels")
REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "posts": ("post_id", "account_id"),
    "follows": ("follower_id", "followee_id"),
    "likes": ("account_id", "post_id"),
    "account_snapshots": ("account_id", "observed_at"),
    "labels": ("account_id", "label"),
}
BATCH_ROWS = 100_000
MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longest CSV line accepted; longer lines are quarantined (documented limit)."""


def table_files(folder: Path) -> dict[str, Path]:
    """Model table name -> file, for the files in ``folder`` that the layout recognises."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        for suffix in SUFFIXES:
            stem = path.name[: -len(suffix)]
            if path.name.endswith(suffix) and stem in TABLES and stem not in found:
                found[stem] = path
    return found


_SAME_TYPE = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}
"""Type names DuckDB reports for a column (``DESCRIBE``) that are the model type by another name."""

_TIMES = frozenset({"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE"})


def _typed_time(arrow_type: pa.DataType, source_type: str) -> bool:
    """A file's own date or time column going to a model time: cast directly (read as UTC, as
    the reader's time zone is), never through text. Parquet written with time zones reported as
    ``TIMESTAMP WITH TIME ZONE`` once went the text way: 4 of the 5 s of reading 2.8 M posts."""
    return arrow_type == model.TIMESTAMP and source_type in _TIMES


def cannot_fail(arrow_type: pa.DataType, source_type: str) -> bool:
    """The column already holds the model type, or one that converts to it without loss."""
    target = duck_type(arrow_type)
    return _SAME_TYPE.get(source_type, source_type) == target or _typed_time(
        arrow_type, source_type
    )


def _cast(name: str, arrow_type: pa.DataType, source_type: str) -> str:
    """SQL that turns a column read as text (or any type) into the model type, null if invalid."""
    col = f'"{name}"'
    if arrow_type == model.STRING_LIST:
        if source_type.endswith("[]"):
            return f"CAST({col} AS VARCHAR[])"
        return f"list_filter(string_split(trim(CAST({col} AS VARCHAR)), ' '), lambda s: s <> '')"
    target = duck_type(arrow_type)
    if _SAME_TYPE.get(source_type, source_type) == target:
        return col
    if _typed_time(arrow_type, source_type):
        return f"CAST({col} AS TIMESTAMPTZ)"
    if arrow_type == pa.int64():
        return f"TRY_CAST(TRY_CAST(nullif(trim(CAST({col} AS VARCHAR)), '') AS DOUBLE) AS BIGINT)"
    if arrow_type == model.TIMESTAMP:
        return f"TRY_CAST(nullif(trim(CAST({col} AS VARCHAR)), '') AS TIMESTAMPTZ)"
    return f"TRY_CAST(nullif(CAST({col} AS VARCHAR), '') AS {target})"


class TabularAdapter(Adapter):
    """Folders (or single files) named ``accounts``, ``posts``, ``follows``, ``labels``."""

    name = "tabular"
    description = "tigerblood tabular layout: accounts/posts/follows/labels as CSV, Parquet, JSONL"

    def sniff(self, path: Path) -> bool:
        """A folder holding at least one layout file, or one such file."""
        if path.is_dir():
            return bool(table_files(path))
        return bool(table_files_for_file(path))

    def read(self, path: Path) -> Iterator[Batch]:
        """Batches for each table file; a folder with nothing readable is a :class:`SourceError`."""
        files = table_files(path) if path.is_dir() else table_files_for_file(path)
        if not files:
            raise SourceError(
                f"{path}: no readable table file (expected accounts, posts, follows or labels "
                f"as {', '.join(SUFFIXES)})"
            )
        for table, file in files.items():
            yield from read_table_file(table, file)


def reader_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for reading files: UTC, no progress bar on the terminal."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'").fetchall()
    con.execute("SET enable_progress_bar = false").fetchall()
    return con


def table_files_for_file(path: Path) -> dict[str, Path]:
    """The single-file form: ``posts.csv`` passed on its own."""
    if not path.is_file():
        return {}
    for suffix in SUFFIXES:
        stem = path.name[: -len(suffix)]
        if path.name.endswith(suffix) and stem in TABLES:
            return {stem: path}
    return {}


def read_table_file(table: str, path: Path) -> Iterator[Batch]:
    """Every valid row of one file as model batches, and a quarantine row for every bad one."""
    con = reader_connection()
    source = str(path)
    if path.stat().st_size == 0:
        yield quarantine_batch([model.quarantine_row(source, f"{source}:0", "*", "empty file", "")])
        return
    try:
        relation = _relation(con, path)
        columns = {r[0]: r[1] for r in con.execute(f"DESCRIBE {relation}").fetchall()}
    except (duckdb.Error, UnicodeDecodeError, orjson.JSONDecodeError, SourceError) as exc:
        msg = str(exc).splitlines()[0]
        yield quarantine_batch([model.quarantine_row(source, f"{source}:0", "*", msg, "")])
        return
    yield from _json_rejects(con, source)
    missing = [c for c in REQUIRED[table] if c not in columns]
    if missing:
        error = (
            f"missing required column(s) {', '.join(missing)}; columns seen: {', '.join(columns)}"
        )
        yield quarantine_batch([model.quarantine_row(source, f"{source}:1", missing[0], error, "")])
        return
    schema = model.SCHEMAS[table]
    unknown = [c for c in columns if c not in schema.names and not c.startswith("_")]
    if unknown:
        log.warning("%s: ignoring unknown column(s) %s", source, ", ".join(unknown))
    yield from typed_batches(con, relation, table, columns, source)
    yield from csv_rejects(con, source)


def _relation(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """A SQL relation over the file, every row numbered in file order as ``_row``."""
    quoted = str(path).replace("'", "''")
    if path.name.endswith(".parquet"):
        return f"(SELECT *, row_number() OVER () AS _row FROM read_parquet('{quoted}'))"
    if path.name.endswith((".csv", ".csv.gz")):
        return f"(SELECT *, row_number() OVER () AS _row FROM {csv_reader(path)})"
    con.register("_jsonl", _read_jsonl(path))
    return "(SELECT * FROM _jsonl WHERE _error IS NULL)"


def csv_header(path: Path) -> list[str]:
    """Column names from the first line (read by us: DuckDB's sniffer gives up on huge lines)."""
    import csv
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else Path.open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        first = handle.readline()
    names = next(csv.reader([first]), [])
    return [name.strip().lstrip("\ufeff") for name in names]


def csv_reader(path: Path) -> str:
    """DuckDB's CSV reader over ``path``: all text, rejected lines recorded with their numbers.

    The dialect is fixed (comma, double quotes) and the columns come from the header line, so one
    oversized or broken line is a rejected line, not a failed file.
    """
    quoted = str(path).replace("'", "''")
    names = csv_header(path)
    if not names or names == [""]:
        raise SourceError(f"{path}: no header line")
    columns = ", ".join("'{}': 'VARCHAR'".format(n.replace("'", "''")) for n in names)
    return (
        f"read_csv('{quoted}', header=true, auto_detect=false, delim=',', quote='\"', "
        f"escape='\"', columns={{{columns}}}, store_rejects=true, "
        f"max_line_size={MAX_LINE_BYTES})"
    )


def _read_jsonl(path: Path) -> pa.Table:
    """Parse JSON Lines into text columns (lists stay lists), marking lines that fail."""
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else Path.open
    rows: list[dict] = []
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
                if not isinstance(record, dict):
                    raise TypeError(f"expected a JSON object, got {type(record).__name__}")
                row = {k: _as_text(v) for k, v in record.items()}
                row["_error"] = None
            except (orjson.JSONDecodeError, TypeError) as exc:
                row = {"_error": str(exc), "_raw": line.decode("utf-8", "replace")}
            row["_row"] = number
            rows.append(row)
    names = sorted({k for row in rows for k in row})
    return pa.Table.from_pylist([{n: row.get(n) for n in names} for row in rows])


def _as_text(value: object) -> object:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [v if isinstance(v, str) else orjson.dumps(v).decode() for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


def _json_rejects(con: duckdb.DuckDBPyConnection, source: str) -> Iterator[Batch]:
    try:
        bad = con.execute(
            "SELECT _row, _error, _raw FROM _jsonl WHERE _error IS NOT NULL"
        ).fetchall()
    except duckdb.Error:
        return
    rows = [model.quarantine_row(source, f"{source}:line {n}", "*", e, raw) for n, e, raw in bad]
    if rows:
        yield quarantine_batch(rows)


def typed_batches(
    con: duckdb.DuckDBPyConnection, relation: str, table: str, columns: dict, source: str
) -> Iterator[Batch]:
    schema = model.SCHEMAS[table]
    casts, checks = [], []
    for field in schema:
        if field.name in columns:
            expr = _cast(field.name, field.type, columns[field.name])
            casts.append(f'{expr} AS "{field.name}"')
            raw = f"nullif(trim(CAST(\"{field.name}\" AS VARCHAR)), '')"
            # A column already of the model type cannot fail its cast: no check (no trim of
            # every text of a Parquet file).
            if field.type != model.STRING_LIST and not cannot_fail(field.type, columns[field.name]):
                checks.append(
                    f"CASE WHEN {raw} IS NOT NULL AND {expr} IS NULL THEN '{field.name}' END"
                )
        else:
            default = "'unknown'" if field.name == "platform" else "NULL"
            casts.append(f'{default}::{duck_type(field.type)} AS "{field.name}"')
    for name in REQUIRED[table]:
        checks.append(
            f"CASE WHEN nullif(trim(CAST(\"{name}\" AS VARCHAR)), '') IS NULL THEN '{name}' END"
        )
    bad_expr = f"concat_ws(',', {', '.join(checks)})"
    query = f"SELECT {', '.join(casts)}, _row, {bad_expr} AS _bad FROM {relation}"
    reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
    failed: list[pa.Table] = []
    for record_batch in reader:
        batch = pa.Table.from_batches([record_batch])
        bad_mask = pc.not_equal(batch.column("_bad"), "")
        bad = batch.filter(bad_mask)
        good = batch.filter(pc.invert(bad_mask))
        if good.num_rows:
            yield Batch(table, model.conform(table, good.drop_columns(["_row", "_bad"])))
        if bad.num_rows:
            failed.append(bad.select(["_row", "_bad"]))
    reader.close()
    for bad in failed:  # the originals are read back once the scan above is drained
        yield quarantine_batch(_bad_rows(con, relation, bad, source))


def _bad_rows(
    con: duckdb.DuckDBPyConnection, relation: str, bad: pa.Table, source: str
) -> list[dict]:
    """Quarantine rows for records that failed a cast, carrying the record as it was read."""
    numbers = bad.column("_row").to_pylist()
    query = f"SELECT * FROM {relation} WHERE list_contains(?, _row)"
    found = con.sql(query, params=[numbers]).to_arrow_table().to_pylist()
    originals = {r["_row"]: r for r in found}
    out = []
    for number, fields in zip(numbers, bad.column("_bad").to_pylist(), strict=True):
        raw = {k: v for k, v in originals.get(number, {}).items() if not k.startswith("_")}
        error = f"invalid or missing value for {fields}"
        location = f"{source}:row {number}"
        out.append(model.quarantine_row(source, location, fields.split(",")[0], error, raw))
    return out


def csv_rejects(con: duckdb.DuckDBPyConnection, source: str) -> Iterator[Batch]:
    try:
        # One quarantine row per rejected line: DuckDB reports a short line once per missing
        # column, and a record is one record however many of its fields are wrong.
        rejects = con.execute(
            "SELECT line, arg_min(coalesce(column_name, '*'), column_idx), "
            "arg_min(error_type::VARCHAR, column_idx), "
            "arg_min(error_message, column_idx) || CASE WHEN count(DISTINCT column_idx) > 1 "
            "THEN ' (and ' || (count(DISTINCT column_idx) - 1) || ' more columns)' ELSE '' END, "
            "any_value(csv_line) FROM reject_errors GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error:
        return
    rows = [
        model.quarantine_row(source, f"{source}:line {line}", col, f"{kind}: {msg}", raw or "")
        for line, col, kind, msg, raw in rejects
    ]
    if rows:
        yield quarantine_batch(rows)
