"""Replies: how much of an account's output answers others, whom, and whether they follow it."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables, is_reply, share

FEATURES = {
    "reply_share": "share of observed posts that reply to someone",
    "distinct_reply_targets": "different accounts the account replied to",
    "reply_to_non_followers_share": "share of replies sent to accounts that do not follow it "
    "(null when no follows are known)",
}


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add reply columns to ``base`` (which already carries ``reply_posts``)."""
    posts = tables.posts
    replies = posts.filter(is_reply(posts))
    targets = replies.group_by(list(KEYS)).aggregate(
        distinct_reply_targets=replies.reply_to_account_id.nunique()
    )
    follows = tables.follows.filter(tables.follows.action.fill_null("follow") == "follow")
    back = follows.select(
        platform=follows.platform,
        target=follows.follower_id,
        account_id=follows.followee_id,
        follows_back=ibis.literal(1),
    ).distinct()
    known = follows.group_by(platform=follows.platform, account_id=follows.followee_id).aggregate(
        known_followers=follows.count()
    )
    with_back = replies.left_join(
        back,
        [
            replies.platform == back.platform,
            replies.account_id == back.account_id,
            replies.reply_to_account_id == back.target,
        ],
    )
    non_followers = with_back.group_by(
        platform=with_back.platform, account_id=with_back.account_id
    ).aggregate(replies_to_non_followers=with_back.follows_back.isnull().cast("int64").sum())
    joined = (
        base.left_join(targets, list(KEYS))
        .drop("platform_right", "account_id_right")
        .left_join(non_followers, list(KEYS))
        .drop("platform_right", "account_id_right")
        .left_join(known, list(KEYS))
        .drop("platform_right", "account_id_right")
    )
    return joined.mutate(
        reply_share=share(joined.reply_posts, joined.observed_posts),
        distinct_reply_targets=joined.distinct_reply_targets.fill_null(0),
        reply_to_non_followers_share=ibis.ifelse(
            joined.known_followers.notnull(),
            share(joined.replies_to_non_followers, joined.reply_posts),
            ibis.null("float64"),
        ),
    )
