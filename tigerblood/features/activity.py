"""How much and how regularly an account posts, and how old it is."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables

FEATURES = {
    "observed_posts": "posts of the account present in the data",
    "posts_count": "posts the profile declares, else the posts observed",
    "account_age_days": "days from account creation to observed_at (else the latest post)",
    "posts_per_day": "declared posts per day of account age, else observed posts per observed day",
    "interval_cv": "spread of the gaps between posts (std / mean): near 0 is clockwork posting",
    "median_interval_s": "median seconds between consecutive posts",
}

SECONDS_PER_DAY = 86_400.0


def post_activity(posts: ir.Table) -> ir.Table:
    """Per account: observed posts, first and last post time, gap statistics."""
    ordered = posts.filter(posts.created_at.notnull())
    previous = ordered.created_at.lag().over(
        ibis.window(group_by=[ordered.platform, ordered.account_id], order_by=ordered.created_at)
    )
    gaps = ordered.mutate(
        gap_s=(ordered.created_at.epoch_seconds() - previous.epoch_seconds()).cast("float64")
    )
    stats = gaps.group_by(list(KEYS)).aggregate(
        first_post=gaps.created_at.min(),
        last_post=gaps.created_at.max(),
        gap_mean=gaps.gap_s.mean(),
        gap_std=gaps.gap_s.std(),
        gap_count=gaps.gap_s.count(),
        median_interval_s=gaps.gap_s.median(),
    )
    counts = posts.group_by(list(KEYS)).aggregate(observed_posts=posts.count())
    return counts.left_join(stats, list(KEYS)).select(
        *KEYS,
        "observed_posts",
        "first_post",
        "last_post",
        "median_interval_s",
        interval_cv=ibis.ifelse(
            (stats.gap_count >= 5) & (stats.gap_mean > 0),
            stats.gap_std / stats.gap_mean,
            ibis.null("float64"),
        ),
    )


def compute(tables: ModelTables, base: ir.Table) -> ir.Table:
    """Add activity columns to ``base`` (accounts left-joined with per-account post stats)."""
    act = post_activity(tables.posts)
    joined = base.left_join(act, list(KEYS)).drop("platform_right", "account_id_right")
    observed = joined.observed_posts.fill_null(0)
    end = joined.observed_at.coalesce(joined.last_post)
    age_days = (end.epoch_seconds() - joined.created_at.epoch_seconds()) / SECONDS_PER_DAY
    span_days = (
        joined.last_post.epoch_seconds() - joined.first_post.epoch_seconds()
    ) / SECONDS_PER_DAY
    posts_count = joined.posts_count.coalesce(observed)
    per_day = ibis.ifelse(
        joined.posts_count.notnull() & (age_days > 0),
        joined.posts_count / ibis.greatest(age_days, 1.0),
        ibis.ifelse(
            observed > 0, observed / ibis.greatest(span_days.fill_null(0), 1.0), ibis.null()
        ),
    )
    return joined.mutate(
        observed_posts=observed,
        posts_count=posts_count,
        account_age_days=age_days,
        posts_per_day=per_day.cast("float64"),
    )
