"""Follow farming and fake followers: mass following, little posting, unexplained followers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class FollowFarmingDetector(RuleDetector):
    """An account that follows many, posts little, and whose audience its activity can't explain.

    The field report's second pattern: zero posts, follows 700 accounts, 150 followers for no
    visible reason. Purchased fake followers (Cresci-2015) look the same: they follow their
    buyers and many others, and are followed back by few.
    """

    name = "follow_farming"
    pattern = "follow_farming"
    description = "mass following with little posting and few followers back"
    # Chosen on half 0 of Cresci-2015 (sha256 split, tigerblood.learn.rule_tuning); half 1 is
    # where we report. min_following 150: fake followers follow a few hundred; few genuine
    # accounts with so little posting follow that many. 0.1 followers per followed: bought
    # accounts are followed back by a handful.
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.5,
        "min_following": 150,
        "max_followers_per_following": 0.1,
        "max_posts": 50,
        "max_posts_per_day": 0.5,
    }
    SIGNALS = (
        Signal(
            "following_count",
            ">=",
            "min_following",
            1.0,
            "follows {following_count} accounts",
            required=True,
        ),
        Signal(
            "followers_per_following",
            "<=",
            "max_followers_per_following",
            2.0,
            "{followers_count} follow it back ({followers_per_following:.2f} per followed)",
        ),
        Signal("posts_count", "<=", "max_posts", 1.0, "{posts_count} posts in all"),
        Signal("posts_per_day", "<=", "max_posts_per_day", 0.5, "{posts_per_day:.2f} posts a day"),
    )
    EVIDENCE = (
        "following_count",
        "followers_count",
        "followers_per_following",
        "posts_count",
        "observed_posts",
        "posts_per_day",
        "account_age_days",
    )
