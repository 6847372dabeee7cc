"""The feature contract: a name that says what it is, one line of meaning, one family.

Families compute their columns together (one pass over posts is cheaper than one per feature) and
return one row per account keyed by ``platform`` and ``account_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

KEYS = ("platform", "account_id")


@dataclass(frozen=True)
class ModelTables:
    """The store's model tables as Ibis tables (any Ibis backend: DuckDB by default)."""

    accounts: ir.Table
    posts: ir.Table
    follows: ir.Table


def is_reply(posts: ir.Table) -> ir.BooleanValue:
    """A post answers someone when it names a post or an account it replies to."""
    return posts.reply_to_post_id.notnull() | posts.reply_to_account_id.notnull()


def has_items(column: ir.ArrayValue) -> ir.BooleanValue:
    """True when a list column holds at least one item (null lists count as empty)."""
    return column.length().fill_null(0) > 0


def share(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """part / whole, null when whole is zero or null (an empty denominator means unknown)."""
    return ibis.ifelse(
        whole > 0, part.cast("float64") / whole.cast("float64"), ibis.null("float64")
    )


def normalized_url(url: ir.StringValue) -> ir.StringValue:
    """A link compared by what it points to: no scheme, no ``www.``, no case, no trailing slash."""
    return (
        url.lower().re_replace(r"^[a-z]+://", "").re_replace(r"^www\.", "").re_replace(r"/+$", "")
    )


def url_host(url: ir.StringValue) -> ir.StringValue:
    """The host part of a normalized link."""
    return normalized_url(url).re_extract(r"^([^/?#:]+)", 1)


def top_by(table: ir.Table, item: str, weight: str) -> ir.Table:
    """Per account, the ``item`` with the largest ``weight``, ties going to the smallest item,
    as ``(platform, account_id, top_item)``.

    ``argmax`` breaks ties in whatever order the engine meets rows, so two runs (or DuckDB and
    Spark) could name different links for the same account; a join on the maximum is portable
    and always gives the same answer.
    """
    best = table.group_by(list(KEYS)).aggregate(_best=table[weight].max())
    on = [table[k] == best[k] for k in KEYS] + [table[weight] == best._best]
    tied = table.join(best, on).select(*KEYS, item)
    return tied.group_by(list(KEYS)).aggregate(top_item=tied[item].min())
