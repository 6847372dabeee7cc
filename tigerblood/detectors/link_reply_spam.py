"""Link-reply spam: replies that carry a link, to people who don't follow back, the same link.

The link may be a contact instead (a phone number, a WhatsApp or Telegram handle, an e-mail
address, a wallet, "DM me": ``posts.contacts``): the link features count both, and the finding
names what was repeated ("the same contact whatsapp:+44… 40 times").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class LinkReplySpamDetector(RuleDetector):
    """Replies-with-links from an account with almost no audience, repeating one link.

    The field report's first pattern: strangers reply with a link, do not follow you, have no
    followers, and hundreds of posts carry the same link. Replying with links is required;
    the other signals raise confidence. A contact counts as a link (see the module docstring).
    """

    name = "link_reply_spam"
    pattern = "link_reply_spam"
    description = "replies carrying a link or contact, to non-followers, from a no-audience account"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.6,
        "min_reply_share": 0.3,
        "min_replies_with_link_share": 0.5,
        "min_replies_with_link": 3,
        "max_followers": 50,
        "min_top_url_share": 0.2,
        "min_top_url_repeat": 5,
        "min_non_follower_share": 0.8,
    }
    SIGNALS = (
        # A habit needs more than one instance: a share of 100% from one reply in a two-post
        # sample is how a genuine account looks when little of it was collected. No weight:
        # it only gates, so scores of accounts that meet it are unchanged.
        Signal(
            "replies_with_link_count",
            ">=",
            "min_replies_with_link",
            0.0,
            "{replies_with_link_count} replies carry {carried}",
            required=True,
        ),
        Signal(
            "replies_with_link_share",
            ">=",
            "min_replies_with_link_share",
            2.0,
            "{replies_with_link_share:.0%} of its replies carry {carried}",
            required=True,
        ),
        Signal(
            "reply_share",
            ">=",
            "min_reply_share",
            1.0,
            "{reply_share:.0%} of its posts are replies",
        ),
        Signal("followers_count", "<=", "max_followers", 1.0, "only {followers_count} followers"),
        Signal(
            "top_url_share",
            ">=",
            "min_top_url_share",
            1.5,
            "{top_url_repeat_count} posts ({top_url_share:.0%}) carry the same {item} {top_url}",
        ),
        Signal(
            "top_url_repeat_count",
            ">=",
            "min_top_url_repeat",
            0.5,
            "the same {item} {top_url_repeat_count} times",
        ),
        Signal(
            "reply_to_non_followers_share",
            ">=",
            "min_non_follower_share",
            1.0,
            "{reply_to_non_followers_share:.0%} of replies go to accounts that don't follow it",
        ),
    )
    EVIDENCE = (
        "observed_posts",
        "reply_share",
        "replies_with_link_share",
        "replies_with_link_count",
        "followers_count",
        "top_url",
        "top_url_repeat_count",
        "top_url_share",
        "distinct_urls",
        "reply_to_non_followers_share",
        # Listening and borrowed reach (tigerblood.features.listening): evidence only, no
        # weight, so scores are unchanged; null where the data cannot tell (no threads, no
        # follower counts) and on the live stream, which does not compute them.
        "answering_reply_share",
        "pitched_account_share",
        "big_target_share",
        "big_target_promo_share",
    )

    def phrase_values(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """``item``: "contact" when the repeated item is a contact, else "link"; ``carried``:
        what the replies were counted for ("a link", or "a link or contact" once contacts are
        what is repeated, as the count holds both)."""
        contact = is_contact(row.get("top_url"))
        return {
            "item": "contact" if contact else "link",
            "carried": "a link or contact" if contact else "a link",
        }


def is_contact(item: object) -> bool:
    """A promoted item that is a contact (``tel:+1…``, ``mailto:…``), not a normalised link.

    >>> is_contact("tel:+17657343839"), is_contact("bit.ly/x"), is_contact(None)
    (True, False, False)
    """
    return isinstance(item, str) and item.split(":", 1)[0] in CONTACT_SCHEMES


CONTACT_SCHEMES = frozenset(
    {"tel", "whatsapp", "telegram", "signal", "discord", "mailto", "wallet", "dm"}
)
"""The first part of every contact string (:mod:`tigerblood.ingest.contacts`); a normalised
link has no scheme, so it never starts with one of these followed by a colon."""
