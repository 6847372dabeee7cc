"""Follow farming and fake followers: mass following, little posting, unexplained followers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tigerblood.detectors.base import RuleDetector, Signal
from tigerblood.detectors.norms import Norms, PlatformNorm, default_norms


class FollowFarmingDetector(RuleDetector):
    """An account that follows many, posts little, and whose audience its activity can't explain.

    The field report's second pattern: zero posts, follows 700 accounts, 150 followers for no
    visible reason. Purchased fake followers (Cresci-2015) look the same: they follow their
    buyers and many others, and are followed back by few.

    "Many" and "little" depend on the platform (:mod:`tigerblood.detectors.norms`): the account
    must follow more than a quarter of the genuine accounts of its platform do and have posted no
    more than its 10th percentile (never laxer than the Twitter-tuned constants below: on
    Twitter, whose quartile is 25 and 10th percentile 155 posts, they are unchanged). A platform
    without a reference is judged by the strictest known norms, and the finding says so.
    Measured with the shipped norms (rules alone): InstaFake's genuine accounts flagged 54.8% ->
    4.4% (fakes 83% -> 71%); Cresci-2015 unchanged (1.9% genuine, 93.4% fakes). The median
    instead of the quartile cut InstaFake's genuine to 2.2% but Cresci-2015's fakes to 81%.
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
    NORMED: ClassVar[frozenset[str]] = frozenset({"min_following", "max_posts"})
    """Thresholds that follow the platform's norms unless set explicitly (config, constructor)."""

    def __init__(self, norms: Norms | None = None, **overrides: float) -> None:
        super().__init__(**overrides)
        self.norms = norms if norms is not None else default_norms()
        self._fixed = set(overrides)
        self._cache: dict[str | None, Mapping[str, float]] = {}

    def _norm(self, platform: str | None) -> tuple[PlatformNorm | None, bool]:
        """The platform's norm and whether it is its own (False: the strictest known)."""
        own = self.norms.for_platform(platform)
        return (own, True) if own is not None else (self.norms.strictest(), False)

    def thresholds_for(self, row: Mapping[str, Any]) -> Mapping[str, float]:
        """The class thresholds, made stricter where the platform's genuine accounts follow
        more or post less than these assume."""
        platform = row.get("platform")
        if platform not in self._cache:
            norm, _ = self._norm(platform)
            t = dict(self.thresholds)
            if norm is not None:
                if "min_following" not in self._fixed:
                    t["min_following"] = max(t["min_following"], round(norm.following_p25))
                if "max_posts" not in self._fixed:
                    t["max_posts"] = min(t["max_posts"], round(norm.posts_p10))
            self._cache[platform] = t
        return self._cache[platform]

    def context_evidence(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """Which reference set the thresholds, so a reader can check them."""
        norm, own = self._norm(row.get("platform"))
        t = self.thresholds_for(row)
        reference = (
            norm.describe()
            if own and norm is not None
            else f"no reference for {row.get('platform')}: the strictest known platform norms"
        )
        return {
            "platform_norm": {
                "reference": reference,
                "min_following": t["min_following"],
                "max_posts": t["max_posts"],
            }
        }

    EVIDENCE = (
        "following_count",
        "followers_count",
        "followers_per_following",
        "posts_count",
        "observed_posts",
        "posts_per_day",
        "account_age_days",
    )
