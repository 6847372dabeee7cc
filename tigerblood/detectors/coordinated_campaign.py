"""Coordinated campaigns: an account that keeps turning up in bursts of many accounts pushing one
link or one text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class CoordinatedCampaignDetector(RuleDetector):
    """Repeated membership in coordinated bursts (:mod:`tigerblood.campaigns`) alongside the same
    accounts, and bursts that make up a real part of what the account posts.

    One burst is weak evidence against one member: five people may share the same news link or
    sign the same petition on the same day. What a campaign account does is come back, with its
    crew: the same accounts push item after item. So two things are required, bursts for at
    least two different items and several accounts met again in them; the bursts being a
    noticeable share of its output, and a large burst, raise confidence.

    Thresholds are set by reasoning, not fitted on generated or labelled data:

    - ``min_campaign_items`` 2: bursts for two different links or texts; the first coincidence is
      forgiven, the second is a habit. One item bursting again and again (an app's share
      template, a long petition) is one item.
    - ``min_repeat_partners`` 4: the rest of a minimal burst (5 accounts) came back with it.
      Two bursts drawn at random from a large population share almost nobody.
    - ``min_campaign_post_share`` 0.1: one post in ten inside a burst; an active genuine
      account that once joined two viral moments stays far below.
    - ``min_largest_campaign`` 10: a burst of ten accounts or more is hard to explain by chance.
    - ``min_score`` 0.5: the two required signals weigh 2.5 of 4.5 (0.56), enough on their own:
      the same group acting together twice is what coordination means.
    """

    name = "coordinated_campaign"
    pattern = "coordinated_campaign"
    description = "posts again and again inside bursts of many accounts pushing one link or text"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.5,
        "min_campaign_items": 2,
        "min_repeat_partners": 4,
        "min_campaign_post_share": 0.1,
        "min_largest_campaign": 10,
    }
    SIGNALS = (
        Signal(
            "campaign_items",
            ">=",
            "min_campaign_items",
            1.0,
            "posted in {campaign_count} coordinated bursts for {campaign_items} different items "
            "(largest {largest_campaign_id}, {largest_campaign_accounts} accounts)",
            required=True,
        ),
        Signal(
            "campaign_repeat_partners",
            ">=",
            "min_repeat_partners",
            1.5,
            "{campaign_repeat_partners} of the same accounts were with it in two bursts or more",
            required=True,
        ),
        Signal(
            "campaign_post_share",
            ">=",
            "min_campaign_post_share",
            1.5,
            "{campaign_post_share:.0%} of its posts belong to them",
        ),
        Signal(
            "largest_campaign_accounts",
            ">=",
            "min_largest_campaign",
            0.5,
            "one burst had {largest_campaign_accounts} accounts",
        ),
    )
    EVIDENCE = (
        "campaign_count",
        "campaign_items",
        "campaign_repeat_partners",
        "largest_campaign_accounts",
        "largest_campaign_id",
        "campaign_post_share",
        "observed_posts",
    )
