"""Borrowed reach: replies and mentions aimed at accounts far bigger than the author.

The field report: what doesn't work is "using other people's social collateral instead of
building your own credibility". A reply under a post with a million readers is seen by them; an
account with 30 followers that spends its replies under such posts, with its link, phone number
or pitch in them, rides someone else's audience.

"Far bigger" is :data:`RATIO` times the author's followers (the author's count floored at 1, so
an account with no follower is compared with accounts of 100 followers or more). Followers are
counted as ``followers_count`` counts them (the profile's count, else the follows observed:
:func:`tigerblood.features.graph.follower_counts`), and only where known: a post counts when at
least one account it addresses has a known count, and the shares are null when the author's own
count is unknown or no addressed account's is.

Computed within the listening family (:mod:`tigerblood.features.listening`), which joins these
columns onto the feature table together with its own.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables, share
from tigerblood.features.graph import follower_counts

RATIO = 100
"""How many times the author's followers an addressed account must have to be "far bigger"."""

FEATURES = {
    "big_target_share": "share of its replies and mentions (to accounts whose followers are "
    f"known) aimed at an account with at least {RATIO} times its followers",
    "big_target_promo_share": "share of those replies and mentions to far bigger accounts that "
    "carry a link, a contact or a sales pitch (null: none)",
}


def reach(tables: ModelTables, sent: ir.Table) -> ir.Table:
    """Per account: its posts addressing accounts of known followers, those aimed at a far
    bigger account, and those of them carrying a promotion. ``sent`` is
    :func:`~tigerblood.features.addressing.addresses` (computed once for the family)."""
    counts = follower_counts(tables)
    theirs = counts.select("platform", target=counts.account_id, target_followers=counts.followers)
    mine = counts.select("platform", "account_id", own_followers=counts.followers)
    aimed = (
        sent.join(theirs, ["platform", "target"])
        .join(mine, list(KEYS))
        .filter(lambda t: t.target_followers.notnull() & t.own_followers.notnull())
    )
    aimed = aimed.mutate(
        big=aimed.target_followers >= RATIO * ibis.greatest(aimed.own_followers, 1)
    )
    per_post = aimed.group_by([*KEYS, "post_id"]).aggregate(
        big=aimed.big.cast("int64").max(), promo=aimed.promo.cast("int64").max()
    )
    return per_post.group_by(list(KEYS)).aggregate(
        known_posts=per_post.count(),
        big_posts=per_post.big.sum(),
        big_promo_posts=(per_post.big * per_post.promo).sum(),
    )


def shares(joined: ir.Table) -> ir.Table:
    """The two shares from the :func:`reach` columns joined onto the feature table."""
    return joined.mutate(
        big_target_share=share(joined.big_posts, joined.known_posts),
        big_target_promo_share=share(joined.big_promo_posts, joined.big_posts),
    ).drop("known_posts", "big_posts", "big_promo_posts")
