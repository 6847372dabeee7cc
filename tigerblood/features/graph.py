"""The follow graph: audience against attention given."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables

FEATURES = {
    "followers_count": "followers the profile declares, else follow edges observed toward it",
    "following_count": "accounts it follows per its profile, else follow edges observed from it",
    "followers_per_following": "followers divided by following (following floored at 1)",
    "counts_declared": "whether both counts are the profile's (else edges observed: a lower bound)",
}


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add graph columns to ``base``."""
    follows = tables.follows.filter(tables.follows.action.fill_null("follow") == "follow")
    incoming = follows.group_by(
        platform=follows.platform, account_id=follows.followee_id
    ).aggregate(edges_in=follows.follower_id.nunique())
    outgoing = follows.group_by(
        platform=follows.platform, account_id=follows.follower_id
    ).aggregate(edges_out=follows.followee_id.nunique())
    joined = (
        base.left_join(incoming, list(KEYS))
        .drop("platform_right", "account_id_right")
        .left_join(outgoing, list(KEYS))
        .drop("platform_right", "account_id_right")
    )
    declared = joined.followers_count.notnull() & joined.following_count.notnull()
    followers = joined.followers_count.coalesce(joined.edges_in)
    following = joined.following_count.coalesce(joined.edges_out)
    return joined.mutate(
        followers_count=followers,
        following_count=following,
        followers_per_following=(
            followers.cast("float64") / ibis.greatest(following.fill_null(0), 1).cast("float64")
        ),
        counts_declared=declared,
    )
