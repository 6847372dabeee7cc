"""The posts behind each number of the mirror, so "31% of your replies carry a link" can be
opened and checked (a link or a contact, as the features count them). The link and text
normalisations are the feature code's own Ibis expressions, so the posts listed are exactly the
ones the feature counted.
"""

from __future__ import annotations

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


def _rows(expr: ir.Table) -> dict[str, Any]:
    """The latest :data:`LIMIT` posts of ``expr`` and how many there are, in one query (each
    query is an Ibis compilation, most of the mirror's time)."""
    counted = expr.select(
        "post_id", "created_at", "text", "urls", "contacts", _total=expr.count().over()
    )
    ordered = counted.order_by([ibis.desc("created_at"), "post_id"]).limit(LIMIT)
    rows = ordered.to_pyarrow().to_pylist()
    total = int(rows[0]["_total"]) if rows else 0
    for row in rows:
        row.pop("_total")
        text = row["text"] or ""
        row["text"] = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"
        row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
    return {"total": total, "posts": rows}


def behind(store: Store, target: Target, features: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per evidence kind (see :data:`tigerblood.reports.behaviours.BEHAVIOURS`), the posts."""
    tables = tables_of(store)
    posts = tables.posts
    mine = (posts.platform == target.platform) & (posts.account_id == target.account_id)
    own = posts.filter(mine)
    replies = own.filter(is_reply(own))
    out = {
        "replies_with_links": _rows(replies.filter(carries_item(replies))),
        "latest_posts": _rows(own),
    }
    top_url = features.get("top_url")
    if top_url:
        hit = own.urls.map(normalized_url).contains(top_url).fill_null(False)
        hit |= own.contacts.contains(top_url).fill_null(False)  # the top item may be a contact
        out["top_url_posts"] = _rows(own.filter(hit))
    follows = tables.follows
    fans = follows.filter(
        (follows.platform == target.platform)
        & (follows.followee_id == target.account_id)
        & (follows.action.fill_null("follow") == "follow")
    ).follower_id
    out["replies_to_non_followers"] = _rows(
        replies.filter(
            replies.reply_to_account_id.notnull() & ~replies.reply_to_account_id.isin(fans)
        )
    )
    texted = own.mutate(norm=normalized_text(own.text.fill_null("")))
    texted = texted.filter(texted.norm != "")
    repeated = texted.group_by("norm").aggregate(times=texted.count()).filter(lambda t: t.times > 1)
    out["repeated_texts"] = _rows(texted.semi_join(repeated, "norm").drop("norm"))
    return out
