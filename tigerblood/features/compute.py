"""The feature table: every account in the data, one row, every feature column.

Families are chained as Ibis expressions and executed once, so the engine (DuckDB by default)
plans the whole thing as one query.
"""

from __future__ import annotations

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from tigerblood.features import (
    activity,
    campaigns,
    conversations,
    graph,
    links,
    listening,
    profile,
    replies,
    sql_cache,
    text,
)
from tigerblood.features.base import KEYS, ModelTables
from tigerblood.features.sql_cache import CompiledFeatures
from tigerblood.store import Store

FAMILIES = (
    activity,
    links,
    replies,
    graph,
    text,
    profile,
    conversations,
    campaigns,
    listening,
)
"""Order matters: later families read columns earlier ones add (observed_posts, reply_posts)."""

DESCRIPTIONS: dict[str, str] = {  # feature name -> its one-line meaning, in family order
    name: line for family in FAMILIES for name, line in family.FEATURES.items()
}

PROFILE = ("handle", "display_name", "created_at", "observed_at", "posts_count", "declared_bot")


def tables_of(store: Store) -> ModelTables:
    """The store's model tables as Ibis tables on its own DuckDB connection."""
    backend = ibis.duckdb.from_connection(store.con)
    posts = backend.table("posts")
    if "contacts" not in posts.columns:  # a store opened read-only from before contacts
        posts = posts.mutate(contacts=ibis.null("array<string>"))
    return ModelTables(
        accounts=backend.table("accounts"),
        posts=posts,
        follows=backend.table("follows"),
    )


def account_base(tables: ModelTables) -> ir.Table:
    """Accounts with a profile, plus accounts seen only as post authors (profile columns null)."""
    acc = tables.accounts
    posters = tables.posts.select(*KEYS).distinct()
    missing = posters.anti_join(acc, list(KEYS))
    profile = acc.select(*KEYS, *PROFILE, acc.followers_count, acc.following_count)
    empty = {
        "handle": ibis.null("string"),
        "display_name": ibis.null("string"),
        "created_at": ibis.null(acc.created_at.type()),
        "observed_at": ibis.null(acc.observed_at.type()),
        "posts_count": ibis.null("int64"),
        "declared_bot": ibis.null("boolean"),
        "followers_count": ibis.null("int64"),
        "following_count": ibis.null("int64"),
    }
    return profile.union(missing.mutate(**empty).select(profile.columns))


def feature_expr(tables: ModelTables) -> ir.Table:
    """The Ibis expression of the feature table (engine-independent), in account order, so
    verdicts come out in the same order every run."""
    table = account_base(tables)
    for family in FAMILIES:
        table = family.compute(tables, table)
    return table.select(*KEYS, "handle", *DESCRIPTIONS).order_by(*KEYS)


_COMPILED: dict[tuple[tuple[str, str, str], ...], CompiledFeatures] = {}
"""Feature SQL, result schema and the in-memory tables it reads, per store layout (this process;
:mod:`tigerblood.features.sql_cache` keeps them for the next)."""


def _layout(store: Store) -> tuple[tuple[str, str, str], ...]:
    """The store's tables and column types the feature expression can read (not ``features``
    itself, nor scratch tables)."""
    rows = store.con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = current_schema() "
        "AND table_name <> 'features' AND NOT starts_with(table_name, '_') ORDER BY ALL"
    ).fetchall()
    return tuple((str(t), str(c), str(d)) for t, c, d in rows)


def compute_features(store: Store, *, keep: bool = True) -> pa.Table:
    """Run the feature expression on the store and keep the result as table ``features``
    (unless ``keep`` is false: ``learn`` reads each posts window's table once).

    Building and compiling the expression costs seconds (four with every family, more than
    running it on a small store), and ``learn`` computes features once per posts window, the
    live feed once per cross-account run: so the SQL is compiled once per store layout, kept
    for this process and on disk for the next (:mod:`tigerblood.features.sql_cache`), and its
    result cast to the expression's own schema, as Ibis would return it.
    """
    layout = _layout(store)
    if layout not in _COMPILED:
        _COMPILED[layout] = _compiled(store, layout)
    compiled = _COMPILED[layout]
    for name, table in compiled.memory.items():
        store.con.register(name, table)
    try:
        result = store.con.sql(compiled.sql).to_arrow_table().cast(compiled.schema)
    finally:
        for name in compiled.memory:
            store.con.unregister(name)
    if keep:
        store.con.register("_features", result)
        store.sql("CREATE OR REPLACE TABLE features AS SELECT * FROM _features")
        store.con.unregister("_features")
    return result


def _compiled(store: Store, layout: tuple[tuple[str, str, str], ...]) -> CompiledFeatures:
    """The feature SQL of ``store``'s layout: from the disk cache, else compiled (and kept)."""
    key = sql_cache.cache_key(layout)
    found = sql_cache.load(key)
    if found is not None:
        return found
    expr = feature_expr(tables_of(store))
    # Tables the expression holds in memory (an empty stand-in for a step not run) are
    # registered under their names on each store the SQL runs on.
    memory = {op.name: op.data.to_pyarrow(op.schema) for op in expr.op().find(ops.InMemoryTable)}
    sql = str(ibis.to_sql(expr, dialect="duckdb"))
    compiled = CompiledFeatures(sql, expr.schema().to_pyarrow(), memory)
    sql_cache.save(key, compiled)
    return compiled
