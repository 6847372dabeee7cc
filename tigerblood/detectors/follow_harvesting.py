"""Follow-back harvesting: following a thousand accounts or more, followed back by few."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class FollowHarvestingDetector(RuleDetector):
    """An account that follows very many to harvest follow-backs, and is followed by few.

    Follow-for-follow growth: follow thousands, keep whoever follows back. Unlike
    ``follow_farming`` (bought followers: a few hundred followed and little posting), posting
    does not matter here: harvesters post plenty or nothing. What must hold across platforms is
    the scale: on Instagram and Bluesky following 500 accounts is ordinary (a Bluesky starter
    pack makes a newcomer follow up to 150 before a first post; InstaFake's genuine accounts
    follow 420 at the median, 1,096 at the 95th percentile), so both a large absolute count and
    an audience far below it are required.

    Where the thresholds come from (profile counts of every labelled source in
    ``../shared/data``; script and figures in docs/detectors.md): a grid of ``min_following``
    (1,000, 1,500, 2,000, 3,000, 5,000; below 1,000 is left out a priori, the platform norms
    above) by ``max_followers_per_following`` (0.02, 0.05, 0.1, 0.15, 0.2, 0.3); keep the cells
    that fire on at most 1% of the genuine accounts of *each* training source, and take the one
    firing on the most inauthentic accounts (mean over sources). Leave-one-source-out:

    - InstaFake left out (chosen on the two Twitter sets): 1,000 and 0.1; InstaFake fires on
      0.2% of genuine, 49% of fake accounts.
    - Cresci-2015 left out: 1,000 and 0.1; Cresci-2015 0.2% genuine, 0.75% fake.
    - cresci-stock-2018 left out: 1,000 and 0.15; cresci-stock 1.5% genuine (over the 1% bound),
      0.9% fake. At 0.1 it is 0.65% genuine.
    - All three: 1,000 and 0.1, shipped: genuine / inauthentic fired on 0.21% / 0.75%
      (Cresci-2015), 0.65% / 0.73% (cresci-stock-2018), 0.20% / 49% (InstaFake).

    The Twitter sets' inauthentic accounts are bought followers and cashtag bots, not
    harvesters, so few are caught there; InstaFake's fakes are. ``strong_followers_per_following``
    (0.02) only grades the score (0.75, or 1.0 below it): among the accounts the detector fires on,
    those at 0.02 or less were inauthentic 13 of 13 (Cresci-2015), 15 of 18 (cresci-stock), 62 of
    63 (InstaFake), against 12 of 16, 24 of 54 and 36 of 37 between 0.02 and 0.1.

    Counts counted from observed follow edges (``counts_declared`` false) are a lower bound of
    what the profile would say, on the side of "follows many, followed by few" whenever the
    collection walked the account's follows but not its followers: no finding then.
    """

    name = "follow_harvesting"
    pattern = "follow_harvesting"
    description = "following a thousand or more accounts, followed back by a tenth of them or fewer"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.5,
        "require_declared_counts": 1,
        "min_following": 1000,
        "max_followers_per_following": 0.1,
        "strong_followers_per_following": 0.02,
    }
    SIGNALS = (
        Signal(
            "counts_declared",
            ">=",
            "require_declared_counts",
            0.0,
            "",
            required=True,
        ),
        Signal(
            "following_count",
            ">=",
            "min_following",
            1.0,
            "follows {following_count:,} accounts",
            required=True,
        ),
        Signal(
            "followers_per_following",
            "<=",
            "max_followers_per_following",
            2.0,
            "{followers_count:,} follow it ({followers_per_following:.2f} per followed)",
            required=True,
        ),
        Signal("followers_per_following", "<=", "strong_followers_per_following", 1.0, ""),
    )
    EVIDENCE = (
        "following_count",
        "followers_count",
        "followers_per_following",
        "counts_declared",
        "posts_count",
        "observed_posts",
        "account_age_days",
    )
