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


def incoming_edges(tables: ModelTables) -> ir.Table:
    """Per followed account: distinct followers observed, as ``edges_in``."""
    follows = tables.follows.filter(tables.follows.action.fill_null("follow") == "follow")
    return follows.group_by(platform=follows.platform, account_id=follows.followee_id).aggregate(
        edges_in=follows.follower_id.nunique()
    )


def follower_counts(tables: ModelTables) -> ir.Table:
    """``followers`` of every account known by a profile or by follows toward it, by the
    definition of ``followers_count`` (the profile's count, else the edges observed), for
    families that need the audience of *other* accounts (whom a reply goes to)."""
    acc = tables.accounts
    declared = acc.select(
        acc.platform,
        acc.account_id,
        declared=acc.followers_count.cast("int64"),
        edges=ibis.null("int64"),
    )
    edges = incoming_edges(tables)
    observed = edges.select(
        edges.platform,
        edges.account_id,
        declared=ibis.null("int64"),
        edges=edges.edges_in.cast("int64"),
    )
    both = declared.union(observed, distinct=False)
    known = both.group_by(list(KEYS)).aggregate(
        declared=both.declared.max(), edges=both.edges.max()
    )
    return known.select(*KEYS, followers=known.declared.coalesce(known.edges))


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add graph columns to ``base``."""
    follows = tables.follows.filter(tables.follows.action.fill_null("follow") == "follow")
    incoming = incoming_edges(tables)
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
