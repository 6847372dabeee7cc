"""Coordinated campaigns: an account that keeps turning up in bursts of many accounts pushing one
link or one text, or that posted one template alongside many throwaway accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tigerblood.detectors.base import RuleDetector, Signal, _known

TEMPLATE = Signal(
    "throwaway_campaign_accounts",
    ">=",
    "min_throwaway_campaign",
    1.0,
    'posted the template "{throwaway_campaign_key}" in campaign {throwaway_campaign_id} with '
    "{throwaway_campaign_accounts} accounts ({throwaway_campaign_members}): "
    "{throwaway_campaign_reason}",
)
"""The second way in (issue 14 item 5): one post is enough when the burst's members are mostly
throwaway accounts (:mod:`tigerblood.campaigns.accounts`). Not in ``SIGNALS``: it does not weigh
on the crew score, it stands on its own."""


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

    The exception is a burst whose members are mostly new, audience-less accounts with little
    history: there the members' profiles say what repetition otherwise has to, and one post
    each is enough (``min_throwaway_campaign`` 5: any burst, which already needs 5 accounts
    inside 24 h). Such a finding scores ``THROWAWAY_SCORE``, or the crew score when higher. An
    account that is established itself is never flagged that way, and bursts pushed mostly by
    established accounts (syndication, a shared petition) count for neither path.
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
        "min_throwaway_campaign": 5,
    }
    THROWAWAY_SCORE = 0.8
    """A template among throwaway accounts is as strong as a crew met again with a large burst
    (4 of 4.5 weights, 0.89) less the doubt that one sighting leaves."""
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
        "throwaway_campaign_accounts",
        "throwaway_campaign_id",
        "throwaway_campaign_key",
        "throwaway_campaign_members",
        "throwaway_campaign_reason",
    )

    def candidates(self, features: pa.Table) -> np.ndarray | None:
        """The crew signals' candidates, and every row that knows of a throwaway burst (the
        template path of :meth:`judge` reads it)."""
        crew = super().candidates(features)
        assert crew is not None
        if TEMPLATE.feature not in features.column_names:
            return crew
        values = pc.cast(features.column(TEMPLATE.feature), pa.float64())
        template = values.to_numpy(zero_copy_only=False).astype(float)
        return crew | ~np.isnan(template)  # known: judged, whatever its value

    def judge(self, row: Mapping[str, Any]) -> tuple[float, list[Signal]]:
        """The crew score, or the throwaway-template score when the account posted in a burst
        of throwaway accounts (the higher of the two, with both paths' signals)."""
        score, met = super().judge(row)
        value = row.get(TEMPLATE.feature)
        if _known(value) and value >= self.thresholds_for(row)[TEMPLATE.threshold]:
            return max(score, self.THROWAWAY_SCORE), [TEMPLATE, *met]
        return score, met
