"""The posts behind each number of the mirror, so "31% of your replies carry a link" can be
opened and checked (a link or a contact, as the features count them). The link and text
normalisations are the feature code's own Ibis expressions, so the posts listed are exactly the
ones the feature counted.

Compiling those expressions costs more than running them (tens of milliseconds each, the bulk
of a mirror), so each query is compiled once per store schema with placeholder values and kept
as SQL with bound parameters (:func:`_plan`); a mirror then only runs it.
"""

from __future__ import annotations

from threading import Lock
from typing import Any

import ibis
import ibis.expr.types as ir

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

_PLANS: dict[tuple[Any, ...], dict[str, str]] = {}
_PLANS_LOCK = Lock()


def _counted(expr: ir.Table) -> ir.Table:
    """The latest :data:`LIMIT` posts of ``expr`` and how many there are, in one query."""
    counted = expr.select(
        "post_id", "created_at", "text", "urls", "contacts", _total=expr.count().over()
    )
    return counted.order_by([ibis.desc("created_at"), "post_id"]).limit(LIMIT)


def _expressions(store: Store, target: Target, top_url: str | None) -> dict[str, ir.Table]:
    """Per evidence kind (see :data:`tigerblood.reports.behaviours.BEHAVIOURS`), the posts."""
    tables = tables_of(store)
    posts = tables.posts
    mine = (posts.platform == target.platform) & (posts.account_id == target.account_id)
    own = posts.filter(mine)
    replies = own.filter(is_reply(own))
    out = {
        "replies_with_links": replies.filter(carries_item(replies)),
        "latest_posts": own,
    }
    if top_url:
        hit = own.urls.map(normalized_url).contains(top_url).fill_null(False)
        hit |= own.contacts.contains(top_url).fill_null(False)  # the top item may be a contact
        out["top_url_posts"] = own.filter(hit)
    follows = tables.follows
    fans = follows.filter(
        (follows.platform == target.platform)
        & (follows.followee_id == target.account_id)
        & (follows.action.fill_null("follow") == "follow")
    ).follower_id
    out["replies_to_non_followers"] = replies.filter(
        replies.reply_to_account_id.notnull() & ~replies.reply_to_account_id.isin(fans)
    )
    # An empty text becomes null, which no join matches, rather than being filtered out: DuckDB
    # pushes such a filter into the scan, where it ran the normalising regexes over whole row
    # groups of other accounts' posts (0.2-0.4 s a mirror). The same posts come out.
    texted = own.mutate(norm=normalized_text(own.text.fill_null("")).nullif(""))
    repeated = texted.group_by("norm").aggregate(times=texted.count()).filter(lambda t: t.times > 1)
    out["repeated_texts"] = texted.semi_join(repeated, "norm").drop("norm")
    return out


def _schema_key(store: Store) -> tuple[Any, ...]:
    """What the compiled SQL depends on: the columns and types of the tables it reads."""
    return tuple(
        store.sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = current_schema() "
            "AND table_name IN ('posts', 'follows') ORDER BY table_name, ordinal_position"
        )
    )


def _plan(store: Store, with_top_url: bool) -> dict[str, str]:
    """The evidence queries as SQL with ``$platform``, ``$account_id`` (and ``$top_url``)
    parameters, compiled once per schema."""
    key = (_schema_key(store), with_top_url)
    with _PLANS_LOCK:
        if key in _PLANS:
            return _PLANS[key]
    placeholder = Target(_PLACEHOLDERS["platform"], _PLACEHOLDERS["account_id"], None)
    top_url = _PLACEHOLDERS["top_url"] if with_top_url else None
    plan = {}
    for kind, expr in _expressions(store, placeholder, top_url).items():
        sql = str(ibis.to_sql(_counted(expr), dialect="duckdb"))
        for name, value in _PLACEHOLDERS.items():
            sql = sql.replace(f"'{value}'", f"${name}")
        if any(value in sql for value in _PLACEHOLDERS.values()):  # never: a literal moved
            raise RuntimeError(f"evidence query {kind}: a placeholder was not parameterised")
        plan[kind] = sql
    with _PLANS_LOCK:
        _PLANS[key] = plan
    return plan


def _rows(store: Store, sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one compiled query: the posts, text cut to :data:`TEXT_LIMIT`, and their total."""
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    rows = store.con.sql(sql, params=used).to_arrow_table().to_pylist()
    total = int(rows[0]["_total"]) if rows else 0
    for row in rows:
        row.pop("_total")
        text = row["text"] or ""
        row["text"] = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"
        row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
    return {"total": total, "posts": rows}


def behind(store: Store, target: Target, features: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per evidence kind (see :data:`tigerblood.reports.behaviours.BEHAVIOURS`), the posts."""
    top_url = features.get("top_url")
    params = {"platform": target.platform, "account_id": target.account_id, "top_url": top_url}
    plan = _plan(store, bool(top_url))
    return {kind: _rows(store, sql, params) for kind, sql in plan.items()}


def prepare(store: Store) -> None:
    """Compile the evidence queries of ``store``'s schema now (a server does it at start, so
    the first mirror it shows does not pay for the compilation)."""
    for with_top_url in (False, True):
        _plan(store, with_top_url)
