"""Links: how often an account posts them, in replies, and whether it is the same link again."""

from __future__ import annotations

import ibis.expr.types as ir

from tigerblood.features.base import (
    KEYS,
    ModelTables,
    has_items,
    is_reply,
    normalized_url,
    share,
    top_by,
    url_host,
)
from tigerblood.ingest.entities import shortener_domains

FEATURES = {
    "link_share": "share of observed posts carrying at least one link",
    "replies_with_link_share": "share of the account's replies that carry a link",
    "replies_with_link_count": "replies of the account that carry a link",
    "distinct_urls": "different links (normalized) across the account's posts",
    "top_url": "the link the account posts most often (normalized)",
    "top_url_repeat_count": "posts carrying the account's most repeated link",
    "top_url_share": "share of observed posts carrying the most repeated link",
    "shortened_link_share": "share of the account's links that go through a link shortener "
    "(t.co, which wraps every Twitter link, is not counted)",
}

PLATFORM_WRAPPERS = frozenset({"t.co"})
"""Hosts that wrap every link on their platform: a shortener there says nothing of intent."""


def url_stats(posts: ir.Table) -> ir.Table:
    """Per account: distinct links and the most repeated one with its count."""
    # Unnest first, normalise after: Spark refuses a generator nested inside other functions.
    raw = posts.filter(has_items(posts.urls)).select(*KEYS, "post_id", raw=posts.urls.unnest())
    exploded = raw.select(*KEYS, "post_id", url=normalized_url(raw.raw))
    shorteners = sorted(shortener_domains() - PLATFORM_WRAPPERS)
    exploded = exploded.mutate(shortened=url_host(exploded.url).isin(shorteners).cast("int64"))
    links = exploded.group_by(list(KEYS)).aggregate(
        link_count=exploded.count(), shortened_links=exploded.shortened.sum()
    )
    per_url = exploded.group_by([*KEYS, "url"]).aggregate(url_posts=exploded.post_id.nunique())
    ranked = per_url.group_by(list(KEYS)).aggregate(
        distinct_urls=per_url.url.count(),
        top_url_repeat_count=per_url.url_posts.max(),
    )
    top = top_by(per_url, "url", "url_posts").rename(top_url="top_item")
    return ranked.join(top, list(KEYS)).join(links, list(KEYS))


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add link columns to ``base``."""
    posts = tables.posts
    reply = is_reply(posts)
    link = has_items(posts.urls)
    counts = posts.group_by(list(KEYS)).aggregate(
        link_posts=link.cast("int64").sum(),
        replies_with_link=(reply & link).cast("int64").sum(),
        reply_posts=reply.cast("int64").sum(),
    )
    joined = (
        base.left_join(counts, list(KEYS))
        .drop("platform_right", "account_id_right")
        .left_join(url_stats(posts), list(KEYS))
        .drop("platform_right", "account_id_right")
    )
    return joined.mutate(
        link_share=share(joined.link_posts, joined.observed_posts),
        replies_with_link_share=share(joined.replies_with_link, joined.reply_posts),
        replies_with_link_count=joined.replies_with_link.fill_null(0),
        distinct_urls=joined.distinct_urls.fill_null(0),
        top_url_repeat_count=joined.top_url_repeat_count.fill_null(0),
        top_url_share=share(joined.top_url_repeat_count.fill_null(0), joined.observed_posts),
        shortened_link_share=share(joined.shortened_links, joined.link_count),
    )
