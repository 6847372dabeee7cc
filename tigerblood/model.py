"""The normalized tables every adapter produces and every detector consumes (DESIGN §3.1).

Keeping the schemas in one place, as Arrow types, is what lets a Bluesky firehose, a Twitter
archive and a research CSV meet in the same feature code. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")
STRING_LIST = pa.list_(pa.string())

ACCOUNTS = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("bio", pa.string()),
        ("created_at", TIMESTAMP),
        ("observed_at", TIMESTAMP),
        ("followers_count", pa.int64()),
        ("following_count", pa.int64()),
        ("posts_count", pa.int64()),
        ("likes_count", pa.int64()),
        ("listed_count", pa.int64()),
        ("verified", pa.bool_()),
        ("has_avatar", pa.bool_()),
        ("declared_bot", pa.bool_()),
        ("profile_urls", STRING_LIST),
    ]
)

POSTS = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("reply_to_post_id", pa.string()),
        ("reply_to_account_id", pa.string()),
        ("root_post_id", pa.string()),
        ("quote_of_post_id", pa.string()),
        ("repost_of_post_id", pa.string()),
        ("urls", STRING_LIST),
        ("mentions", STRING_LIST),
        ("hashtags", STRING_LIST),
        ("client", pa.string()),
        ("contacts", STRING_LIST),
    ]
)
"""``contacts`` holds the off-platform contacts the text names (``tel:+1…``, ``whatsapp:+…``,
``telegram:@name``, ``mailto:…``, ``wallet:btc:…``, ``dm:request``; see
:mod:`tigerblood.ingest.contacts`): the promoted item of a post that carries no link. Ingest fills
it from the text for every source. It is the last column so that a store written before it
existed gains it with one ``ALTER TABLE`` and keeps loading by position."""

FOLLOWS = pa.schema(
    [
        ("platform", pa.string()),
        ("follower_id", pa.string()),
        ("followee_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("observed_at", TIMESTAMP),
        ("action", pa.string()),
    ]
)

LIKES = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("post_id", pa.string()),
        ("post_account_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("observed_at", TIMESTAMP),
    ]
)
"""Who liked (favourited) which post. ``post_account_id`` is the liked post's author when the
source names it (a Bluesky like's subject URI does; a Mastodon notification does): it is what lets
an audit count the likes an account received from flagged accounts without holding the post."""

ACCOUNT_SNAPSHOTS = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("observed_at", TIMESTAMP),
        ("followers_count", pa.int64()),
        ("following_count", pa.int64()),
        ("posts_count", pa.int64()),
    ]
)
"""An account's counts as read at one moment. ``accounts`` keeps one profile per account; the
snapshots keep every reading, so repeated collections show follower growth over time. The store
derives them from every ``accounts`` row that has ``observed_at``: adapters need do nothing."""

LABELS = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("label", pa.int64()),
        ("kind", pa.string()),
        ("source", pa.string()),
    ]
)

REVIEWS = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("decision", pa.string()),
        ("reviewer", pa.string()),
        ("note", pa.string()),
        ("decided_at", TIMESTAMP),
        ("score", pa.float64()),
        ("model_version", pa.string()),
    ]
)
"""A person's decision on a verdict, written through the web app (``tigerblood serve``):
``decision`` is confirm | dismiss | skip; ``score`` and ``model_version`` are the verdict's at the
time, so a decision can later be read against the model that prompted it. Every decision is kept
(the latest per account counts); ``learn --reviews`` reads confirm as 1 and dismiss as 0, ``scan``
never reads it."""

QUARANTINE = pa.schema(
    [
        ("source", pa.string()),
        ("location", pa.string()),
        ("field", pa.string()),
        ("error", pa.string()),
        ("raw", pa.string()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "accounts": ACCOUNTS,
    "posts": POSTS,
    "follows": FOLLOWS,
    "likes": LIKES,
    "account_snapshots": ACCOUNT_SNAPSHOTS,
    "labels": LABELS,
    "reviews": REVIEWS,
    "quarantine": QUARANTINE,
}

# Rows that name the same thing: loading the same input twice must not duplicate them.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "accounts": ("platform", "account_id"),
    "posts": ("platform", "post_id"),
    "follows": ("platform", "follower_id", "followee_id", "action"),
    "likes": ("platform", "account_id", "post_id"),
    "account_snapshots": ("platform", "account_id", "observed_at"),
    "labels": ("platform", "account_id"),
    "reviews": ("platform", "account_id", "decided_at"),
    "quarantine": ("source", "location", "field"),
}

RAW_LIMIT = 2_000
"""Quarantined raw text is truncated to this many characters: enough to see the fault."""


def account_key(platform: str, account_id: str) -> str:
    """The one-string name of an account, e.g. ``account_key("twitter", "1") == "twitter:1"``."""
    return f"{platform}:{account_id}"


def split_account_key(key: str) -> tuple[str | None, str]:
    """Inverse of :func:`account_key`; a bare id or handle gives ``(None, key)``.

    >>> split_account_key("bluesky:did:plc:abc")
    ('bluesky', 'did:plc:abc')
    """
    platform, sep, rest = key.partition(":")
    if sep and platform in {"twitter", "bluesky", "mastodon"}:
        return platform, rest
    return None, key


def to_table(name: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Build a model table from dict rows; missing keys become nulls, unknown keys are dropped."""
    schema = SCHEMAS[name]
    rows = list(rows)
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def conform(name: str, table: pa.Table) -> pa.Table:
    """Cast an Arrow table onto the model schema: reorder, add missing columns as nulls."""
    schema = SCHEMAS[name]
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            arrays.append(table.column(field.name).cast(field.type))
        else:
            arrays.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def quarantine_row(source: str, location: str, field: str, error: str, raw: object) -> dict:
    """One quarantine record, with the raw input truncated to :data:`RAW_LIMIT` characters."""
    text = raw if isinstance(raw, str) else repr(raw)
    if len(text) > RAW_LIMIT:
        text = text[:RAW_LIMIT] + f"… [{len(text) - RAW_LIMIT} more characters]"
    return {"source": source, "location": location, "field": field, "error": error, "raw": text}
