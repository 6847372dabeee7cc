"""Promotional broadcasting: the same link or pitch pushed to everyone, no conversation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class PromotionalBroadcastDetector(RuleDetector):
    """An account that posts links to everyone, pushes one of them (or one text) again and again,
    and never listens: it neither replies nor addresses anyone.

    The broadcasting sibling of ``link_reply_spam``: the same promoted link, but in the account's
    own posts rather than in replies to strangers. Linking a lot is not the pattern (people share
    news articles all day, Cresci-2015's genuine Italians among them), nor is never replying: the
    pattern is both, plus repetition of one thing. So three gates must all hold (enough posts,
    mostly links, almost no replies or mentions) and then one of two repetition signals: one link
    in a fifth of its posts, or a third of its posts repeating an earlier text. A news outlet or
    a brand that answers its readers has replies and mentions, and stays out.

    Thresholds are set by reasoning, then checked on Cresci-2015 (the only labelled source with
    posts; its fake followers are not broadcasters):

    - ``min_observed_posts`` 20: a habit, as for ``automation``.
    - ``min_link_share`` 0.5: most of its posts carry a link (Cresci-2015 genuine: median 0.25,
      95th percentile 0.75, among accounts with 20 posts or more).
    - ``max_reply_share`` 0.05 and ``max_mention_share`` 0.2: one post in twenty a reply and one
      in five addressing anyone; Cresci-2015's genuine users reply in 13% of their posts and
      address someone in 50% at the first quartile. The mention gate keeps out news sharers who talk
      (it removed 78 of the 103 genuine accounts that passed the link and reply gates).
    - ``min_top_url_share`` 0.2 and ``min_duplicate_text_share`` 0.3: the same link in one post
      of five (Cresci-2015 genuine: 99th percentile 0.12), or the automation detector's own
      duplicate-text bar.
    - ``min_score`` 0.7: the gates weigh 3 of 7 (0.43), one repetition signal brings 5 of 7
      (0.71), both 1.0.

    On Cresci-2015 (5,301 accounts, `scan --no-model`) it fires on 2 genuine and 2 fake accounts
    of 1,881 and 2,091 with 20 posts or more: a holiday rental pushing its Airbnb listing
    and a mobile game's share template (genuine), and two game-achievement feeds (fake).
    """

    name = "promotional_broadcast"
    pattern = "promotional_broadcast"
    description = "links to everyone, one link or text pushed again and again, no conversation"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.7,
        "min_observed_posts": 20,
        "min_link_share": 0.5,
        "max_reply_share": 0.05,
        "max_mention_share": 0.2,
        "min_top_url_share": 0.2,
        "min_duplicate_text_share": 0.3,
    }
    SIGNALS = (
        Signal("observed_posts", ">=", "min_observed_posts", 0.0, "", required=True),
        Signal(
            "link_share",
            ">=",
            "min_link_share",
            1.0,
            "{link_share:.0%} of its {observed_posts:,} posts carry a link",
            required=True,
        ),
        Signal(
            "reply_share",
            "<=",
            "max_reply_share",
            1.0,
            "{reply_share:.0%} are replies",
            required=True,
        ),
        Signal(
            "mention_share",
            "<=",
            "max_mention_share",
            1.0,
            "{mention_share:.0%} address anyone",
            required=True,
        ),
        Signal(
            "top_url_share",
            ">=",
            "min_top_url_share",
            2.0,
            "{top_url_repeat_count:,} ({top_url_share:.0%}) carry the same link {top_url}",
        ),
        Signal(
            "duplicate_text_share",
            ">=",
            "min_duplicate_text_share",
            2.0,
            "{duplicate_text_share:.0%} repeat an earlier text",
        ),
    )
    EVIDENCE = (
        "observed_posts",
        "link_share",
        "reply_share",
        "mention_share",
        "top_url",
        "top_url_repeat_count",
        "top_url_share",
        "distinct_urls",
        "duplicate_text_share",
        "followers_count",
        "following_count",
    )
