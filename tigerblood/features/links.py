"""Links: how often an account posts them, in replies, and whether it is the same link again.

The promoted thing is not always a link: a phone number, a WhatsApp or Telegram contact, an
e-mail address, a wallet or "DM me" (``posts.contacts``, read at ingest by
:mod:`tigerblood.ingest.contacts`) is the same pattern. So every feature here about *what is
promoted* counts links and contacts alike, each contact as one more item beside the post's links;
only ``shortened_link_share`` is about links alone. Contacts are stored already normalised, so
they are compared as they are (``normalized_url`` is for links).
"""

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
    "link_share": "share of observed posts carrying at least one link or contact",
    "replies_with_link_share": "share of the account's replies that carry a link or contact",
    "replies_with_link_count": "replies of the account that carry a link or contact",
    "distinct_urls": "different links (normalized) and contacts across the account's posts",
    "top_url": "the link or contact the account posts most often (normalized)",
    "top_url_repeat_count": "posts carrying the account's most repeated link or contact",
    "top_url_share": "share of observed posts carrying the most repeated link or contact",
    "shortened_link_share": "share of the account's links that go through a link shortener "
    "(t.co, which wraps every Twitter link, is not counted)",
}

PLATFORM_WRAPPERS = frozenset({"t.co"})
"""Hosts that wrap every link on their platform: a shortener there says nothing of intent."""


def carries_item(posts: ir.Table) -> ir.BooleanValue:
    """A post promotes something: it carries a link or names a contact."""
    return has_items(posts.urls) | has_items(posts.contacts)


def url_stats(posts: ir.Table) -> ir.Table:
    """Per account: distinct links and contacts, the most repeated one with its count, and
    the shortener count of its links."""
    # Unnest first, normalise after: Spark refuses a generator nested inside other functions.
    raw = posts.filter(has_items(posts.urls)).select(*KEYS, "post_id", raw=posts.urls.unnest())
    exploded = raw.select(*KEYS, "post_id", url=normalized_url(raw.raw))
    shorteners = sorted(shortener_domains() - PLATFORM_WRAPPERS)
    exploded = exploded.mutate(shortened=url_host(exploded.url).isin(shorteners).cast("int64"))
    links = exploded.group_by(list(KEYS)).aggregate(
        link_count=exploded.count(), shortened_links=exploded.shortened.sum()
    )
    named = posts.filter(has_items(posts.contacts))
    contacts = named.select(*KEYS, "post_id", url=named.contacts.unnest())
    items = exploded.select(*KEYS, "post_id", "url").union(contacts, distinct=False)
    per_url = items.group_by([*KEYS, "url"]).aggregate(url_posts=items.post_id.nunique())
    ranked = per_url.group_by(list(KEYS)).aggregate(
        distinct_urls=per_url.url.count(),
        top_url_repeat_count=per_url.url_posts.max(),
    )
    top = top_by(per_url, "url", "url_posts").rename(top_url="top_item")
    return (
        ranked.join(top, list(KEYS))
        .left_join(links, list(KEYS))
        .drop("platform_right", "account_id_right")
    )


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add link columns to ``base``."""
    posts = tables.posts
    reply = is_reply(posts)
    link = carries_item(posts)
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
