"""The DuckDB store: model tables, the quarantine, and idempotent loading.

An embedded database means no server to install; a file keeps a collection for later `explain`,
`audit` or `mirror` runs, memory suits a one-shot scan. Primary keys make a second load of the
same input a no-op instead of a source of duplicates.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from tigerblood import model

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    model.TIMESTAMP: "TIMESTAMPTZ",
    model.STRING_LIST: "VARCHAR[]",
    pa.float64(): "DOUBLE",
}


def duck_type(arrow_type: pa.DataType) -> str:
    """DuckDB column type for a model Arrow type."""
    return _DUCK_TYPES[arrow_type]


class Store:
    """A DuckDB database holding the model tables (``path=None`` keeps it in memory)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = str(path) if path else ":memory:"
        self.con = duckdb.connect(self.path, read_only=read_only)
        self.sql("SET TimeZone = 'UTC'")
        self.sql("SET enable_progress_bar = false")
        if not read_only:
            self._create_tables()

    def _create_tables(self) -> None:
        for name, schema in model.SCHEMAS.items():
            cols = ", ".join(f'"{f.name}" {duck_type(f.type)}' for f in schema)
            self.sql(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
            self._add_missing_columns(name, schema)

    def _add_missing_columns(self, name: str, schema: pa.Schema) -> None:
        """Bring a table written by an older version up to the model (``posts.contacts`` came
        later): columns are only ever added at the end, so loads by position still line up,
        and the rows already stored read null there."""
        have = {
            row[0]
            for row in self.sql(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_catalog = current_database() AND table_schema = current_schema() "
                "AND table_name = ?",
                [name],
            )
        }
        for f in schema:
            if f.name not in have:
                self.sql(f'ALTER TABLE {name} ADD COLUMN "{f.name}" {duck_type(f.type)}')

    def load(self, table: str, data: pa.Table) -> int:
        """Insert rows whose key is not stored yet; returns the rows offered.

        Keys are enforced with a hash anti-join rather than a PRIMARY KEY index: on millions of
        posts the index made loading five times slower. Rows repeated inside one batch are
        collapsed to their first occurrence. Keys compare with IS NOT DISTINCT FROM so that a
        null part of a key (a follow with no action) still deduplicates.
        """
        if data.num_rows == 0:
            return 0
        data = model.conform(table, data)
        if table == "accounts":
            self._snapshot(data)
        self._insert_new(table, data)
        return data.num_rows

    def _snapshot(self, accounts: pa.Table) -> None:
        """Keep every dated reading of an account's counts, even when its profile is known."""
        self.con.register("_readings", accounts)
        try:
            readings = self.con.sql(
                "SELECT platform, account_id, observed_at, followers_count, following_count, "
                "posts_count FROM _readings WHERE observed_at IS NOT NULL AND "
                "coalesce(followers_count, following_count, posts_count) IS NOT NULL"
            ).to_arrow_table()
        finally:
            self.con.unregister("_readings")
        self._insert_new("account_snapshots", readings)

    def _insert_new(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        key_cols = model.PRIMARY_KEYS[table]
        keys = ", ".join(key_cols)
        match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM i.{k}" for k in key_cols)
        self.con.register("_incoming", data)
        try:
            self.sql(
                f"INSERT INTO {table} SELECT * FROM _incoming i "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE {match}) "
                f"QUALIFY row_number() OVER (PARTITION BY {keys}) = 1"
            )
        finally:
            self.con.unregister("_incoming")

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        """Run one statement to completion and return its rows (DuckDB 2 wants results drained)."""
        return self.con.execute(query, params or []).fetchall()

    def arrow(self, query: str, params: list | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""
        return self.con.sql(query, params=params).to_arrow_table()

    def unseen(self, table: str, data: pa.Table) -> pa.Table:
        """The rows of ``data`` whose key is not stored yet (skips re-deriving known posts)."""
        if data.num_rows == 0 or self.count(table) == 0:
            return data
        key_cols = model.PRIMARY_KEYS[table]
        match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM i.{k}" for k in key_cols)
        self.con.register("_maybe_new", data)
        try:
            query = (
                f"SELECT * FROM _maybe_new i "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE {match})"
            )
            return self.con.sql(query).to_arrow_table()
        finally:
            self.con.unregister("_maybe_new")

    def count(self, table: str) -> int:
        """Rows in a model table."""
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])

    def export_parquet(self, folder: str | Path) -> None:
        """Write every model table as ``folder/<table>.parquet`` (the tabular layout)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in model.SCHEMAS:
            self.sql(f"COPY {name} TO '{folder / name}.parquet' (FORMAT parquet)")

    def close(self) -> None:
        """Close the connection (a file store is then safe to open elsewhere)."""
        self.con.close()
