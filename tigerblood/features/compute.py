"""The feature table: every account in the data, one row, every feature column.

Families are chained as Ibis expressions and executed once, so the engine (DuckDB by default)
plans the whole thing as one query.
"""

from __future__ import annotations

import ibis
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
    text,
)
from tigerblood.features.base import KEYS, ModelTables
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


def compute_features(store: Store) -> pa.Table:
    """Run the feature expression on the store and keep the result as table ``features``."""
    result = feature_expr(tables_of(store)).to_pyarrow()
    store.con.register("_features", result)
    store.sql("CREATE OR REPLACE TABLE features AS SELECT * FROM _features")
    store.con.unregister("_features")
    return result
