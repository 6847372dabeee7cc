"""The posts behind each number of the mirror, so "31% of your replies carry a link" can be
opened and checked (a link or a contact, as the features count them). The link and text
normalisations are the feature code's own Ibis expressions, so the posts listed are exactly the
ones the feature counted.

Every kind of evidence is a condition on the account's own posts, so one query reads them once,
newest first, with one true/false column per kind (:func:`_flagged`); each kind is then its
rows of that query, the first :data:`LIMIT` listed and all counted. Five queries, one per kind,
cost five times DuckDB's fixed cost of planning and running a query (most of a mirror on a
loaded machine), for the same posts in the same order.

Compiling the expression costs more than running it, so it is compiled once per store schema
with placeholder values and kept as SQL with bound parameters (:func:`_plan`).
"""

from __future__ import annotations

from threading import Lock
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tigerblood.features.base import is_reply, normalized_url
from tigerblood.features.compute import tables_of
from tigerblood.features.links import carries_item
from tigerblood.features.text import normalized_text
from tigerblood.reports.target import Target
from tigerblood.store import Store

LIMIT = 50
"""Posts listed per behaviour (the count says how many there are in all)."""

TEXT_LIMIT = 280

_PLACEHOLDERS = {
    "platform": "__tigerblood_platform__",
    "account_id": "__tigerblood_account_id__",
    "top_url": "__tigerblood_top_url__",
}
"""Literal values the expressions are compiled with, replaced by bound parameters afterwards."""

KINDS = (
    "replies_with_links",
    "latest_posts",
    "top_url_posts",
    "replies_to_non_followers",
    "repeated_texts",
)
"""The evidence kinds (see :data:`tigerblood.reports.behaviours.BEHAVIOURS`), in the order the
report lists them; ``top_url_posts`` only for an account with a most repeated item."""

COLUMNS = ["post_id", "created_at", "text", "urls", "contacts"]
"""What is listed of each post."""

_PLANS: dict[tuple[Any, ...], str] = {}
_PLANS_LOCK = Lock()


def _conditions(
    store: Store, target: Target, top_url: str | None
) -> tuple[ir.Table, dict[str, Any], ir.StringValue]:
    """The account's own posts; per evidence kind but the repeated texts, the condition a post
    of it meets; and each post's normalised text (null when empty), whose repeats are the last
    kind."""
    tables = tables_of(store)
    posts = tables.posts
    own = posts.filter(
        (posts.platform == target.platform) & (posts.account_id == target.account_id)
    )
    reply = is_reply(own)
    out: dict[str, Any] = {
        "replies_with_links": reply & carries_item(own),
        "latest_posts": ibis.literal(True),
    }
    if top_url:
        hit = own.urls.map(normalized_url).contains(top_url).fill_null(False)
        hit |= own.contacts.contains(top_url).fill_null(False)  # the top item may be a contact
        out["top_url_posts"] = hit
    follows = tables.follows
    fans = follows.filter(
        (follows.platform == target.platform)
        & (follows.followee_id == target.account_id)
        & (follows.action.fill_null("follow") == "follow")
    ).follower_id
    out["replies_to_non_followers"] = (
        reply & own.reply_to_account_id.notnull() & ~own.reply_to_account_id.isin(fans)
    )
    # An empty text becomes null, which is never a repeat, rather than being filtered out.
    return own, out, normalized_text(own.text.fill_null("")).nullif("")


def _flagged(store: Store, target: Target, top_url: str | None) -> ir.Table:
    """The account's posts, newest first, with a column per kind: whether the post is in it
    (null counts as not). A repeated text is one whose normalised form is on another post too."""
    own, conditions, norm = _conditions(store, target, top_url)
    flagged = own.select(*COLUMNS, _norm=norm, **conditions)
    times = flagged.count().over(ibis.window(group_by=flagged._norm))
    flagged = flagged.mutate(repeated_texts=flagged._norm.notnull() & (times > 1)).drop("_norm")
    return flagged.order_by([ibis.desc("created_at"), "post_id"])


def _schema_key(store: Store) -> tuple[Any, ...]:
    """What the compiled SQL depends on: the columns and types of the tables it reads."""
    return tuple(
        store.sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = current_schema() "
            "AND table_name IN ('posts', 'follows') ORDER BY table_name, ordinal_position"
        )
    )


def _plan(store: Store, with_top_url: bool) -> str:
    """:func:`_flagged` as SQL with ``$platform``, ``$account_id`` (and ``$top_url``)
    parameters, compiled once per schema."""
    key = (_schema_key(store), with_top_url)
    with _PLANS_LOCK:
        if key in _PLANS:
            return _PLANS[key]
    placeholder = Target(_PLACEHOLDERS["platform"], _PLACEHOLDERS["account_id"], None)
    top_url = _PLACEHOLDERS["top_url"] if with_top_url else None
    sql = str(ibis.to_sql(_flagged(store, placeholder, top_url), dialect="duckdb"))
    for name, value in _PLACEHOLDERS.items():
        sql = sql.replace(f"'{value}'", f"${name}")
    if any(value in sql for value in _PLACEHOLDERS.values()):  # never: a literal moved
        raise RuntimeError("evidence query: a placeholder was not parameterised")
    with _PLANS_LOCK:
        _PLANS[key] = sql
    return sql


def _listed(table: pa.Table) -> dict[str, Any]:
    """One kind's posts: the first :data:`LIMIT`, text cut to :data:`TEXT_LIMIT`, and their
    total."""
    rows = table.slice(0, LIMIT).select(COLUMNS).to_pylist()
    for row in rows:
        text = row["text"] or ""
        row["text"] = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"
        row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
    return {"total": table.num_rows, "posts": rows}


def behind(store: Store, target: Target, features: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per evidence kind (see :data:`tigerblood.reports.behaviours.BEHAVIOURS`), the posts."""
    top_url = features.get("top_url")
    params = {"platform": target.platform, "account_id": target.account_id, "top_url": top_url}
    sql = _plan(store, bool(top_url))
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    posts = store.con.sql(sql, params=used).to_arrow_table()
    return {
        kind: _listed(posts.filter(posts.column(kind)))  # a null condition drops the post
        for kind in KINDS
        if kind in posts.column_names
    }


def prepare(store: Store) -> None:
    """Compile the evidence queries of ``store``'s schema now (a server does it at start, so
    the first mirror it shows does not pay for the compilation)."""
    for with_top_url in (False, True):
        _plan(store, with_top_url)
