"""Whom each post addresses: the account it replies to and the accounts it mentions.

Read by the listening and borrowed-reach features (:mod:`tigerblood.features.listening`,
:mod:`tigerblood.features.borrowed`). Sources name an addressed account by id (Bluesky DIDs,
Mastodon and Twitter ids) or, in research CSVs, by the handle a reply opened with; both are
matched to a known account (the handle case-insensitively, ``@`` optional). A name that matches
no account stays as written, so two posts to the same stranger still count as one account.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tigerblood.conversations import PITCH_THRESHOLD
from tigerblood.features.base import ModelTables
from tigerblood.features.links import carries_item
from tigerblood.features.stored import stored_table

PITCH = {"platform": "string", "post_id": "string", "pitch_score": "float64"}


def _key(value: ir.StringValue) -> ir.StringValue:
    """How an addressed account is matched: lower case, without a leading ``@``."""
    return value.lower().re_replace(r"^@", "")


def addresses(tables: ModelTables) -> ir.Table:
    """One row per (post, account it addresses): ``platform, post_id, account_id`` (the author),
    ``target`` (the addressed account's id when known, else the name the post used) and
    ``promo`` (the post carries a link, a contact or a pitch) and ``reply`` (the account is the
    one replied to, not only mentioned). Self-addressing is left out."""
    posts = tables.posts
    pitch = stored_table(tables, "post_pitch", PITCH)
    scored = posts.left_join(pitch, ["platform", "post_id"]).select(
        posts.platform,
        posts.post_id,
        posts.account_id,
        posts.reply_to_account_id,
        posts.mentions,
        promo=carries_item(posts) | (pitch.pitch_score.fill_null(0) >= PITCH_THRESHOLD),
    )
    replied = scored.filter(scored.reply_to_account_id.notnull()).select(
        "platform",
        "post_id",
        "account_id",
        "promo",
        reply=ibis.literal(True),
        raw=scored.reply_to_account_id,
    )
    mentioning = scored.filter(scored.mentions.length().fill_null(0) > 0)
    # Unnest alone in its select: Spark refuses a generator nested inside other functions.
    mentioned = mentioning.select(
        "platform",
        "post_id",
        "account_id",
        "promo",
        reply=ibis.literal(False),
        raw=mentioning.mentions.unnest(),
    )
    named = replied.union(mentioned, distinct=False)
    named = named.select("platform", "post_id", "account_id", "promo", "reply", key=_key(named.raw))
    acc = tables.accounts
    by_id = acc.select(acc.platform, key=acc.account_id.lower(), known_id=acc.account_id)
    handled = acc.filter(acc.handle.notnull())
    by_handle = handled.select(
        handled.platform, key=_key(handled.handle), known_id=handled.account_id
    )
    names = by_id.union(by_handle)
    names = names.group_by(["platform", "key"]).aggregate(known_id=names.known_id.min())
    resolved = named.left_join(names, ["platform", "key"]).select(
        named.platform,
        named.post_id,
        named.account_id,
        named.promo,
        named.reply,
        target=names.known_id.coalesce(named.key),
    )
    itself = (resolved.target == resolved.account_id) | (
        resolved.target == resolved.account_id.lower()
    )
    return resolved.filter(~itself).distinct()
