"""Automation: the same text again and again, or posting by the clock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class AutomationDetector(RuleDetector):
    """Repeated text and machine-regular timing, judged only with enough posts to see a habit."""

    name = "automation"
    pattern = "automation"
    description = "duplicate text and clockwork posting intervals"
    # 0.4: heavy duplication alone (weight 2 of 4.5) is enough; clockwork timing needs a high
    # rate beside it, since a few daily scheduled posts are normal for genuine accounts.
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.4,
        "min_observed_posts": 20,
        "min_duplicate_text_share": 0.3,
        "max_interval_cv": 0.35,
        "min_posts_per_day": 48,
    }
    SIGNALS = (
        Signal(
            "observed_posts",
            ">=",
            "min_observed_posts",
            0.0,
            "{observed_posts} posts observed",
            required=True,
        ),
        Signal(
            "duplicate_text_share",
            ">=",
            "min_duplicate_text_share",
            2.0,
            "{duplicate_text_share:.0%} of its posts repeat an earlier text",
        ),
        Signal(
            "interval_cv",
            "<=",
            "max_interval_cv",
            1.5,
            "posts at near-constant intervals (spread {interval_cv:.2f}, median "
            "{median_interval_s:.0f} s)",
        ),
        Signal("posts_per_day", ">=", "min_posts_per_day", 1.0, "{posts_per_day:.0f} posts a day"),
    )
    EVIDENCE = (
        "observed_posts",
        "duplicate_text_share",
        "interval_cv",
        "median_interval_s",
        "posts_per_day",
    )
