"""How much of an account the live feed needs before judging it, read off the detectors in use.

Judging every account that posted once costs most of a busy feed's time and cannot flag anyone: no
rule reads one post. Each post rule has a required signal that counts something (posts, replies
with a link, posts sharing one link or contact), and an account is judged for its posts only once
one of those counts reaches the least its rule needs (the model: ten posts). But "how much is
enough" belongs to the detectors, and a YAML config may lower a detector's threshold
(``min_replies_with_link: 2``): the gate must follow, or an account the configured rule would flag
is never judged live. So each gate is the laxest threshold among the detectors in use that read
that medium; a detector the gates know nothing about (a third-party plugin) may read anything, so
with one in use an account is judged from its first post, as before the gates.

Example::

    gates = Gates.of(build_detectors())
    gates.posts, gates.partners, gates.following    # 10, 5, 150 with the built-ins' defaults
    gates.replies_with_link, gates.item_repeat      # 3, 3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

POSTS = {
    "automation": "min_observed_posts",
    "promotional_broadcast": "min_observed_posts",
}
"""Rules that read an account's own posts and need a number of them (a required signal)."""

REPLIES_WITH_LINK = {"link_reply_spam": "min_replies_with_link"}
"""Rules that need a number of replies carrying a link or a contact (a required signal)."""

ITEM_REPEAT = {"link_mention_spam": "min_top_url_repeat"}
"""Rules that need one link or contact in a number of posts (a required signal)."""

FOLLOWING = {"follow_farming": "min_following", "follow_harvesting": "min_following"}
"""Rules that read whom an account follows."""

PARTNERS = {"pitch_conversation": "min_partners"}
"""Rules that read threads (the cross-account run's ``distinct_partners``)."""

CROSS_ONLY = frozenset({"coordinated_campaign"})
"""Rules that read only the cross-account run (campaigns), which the engine checks itself."""

NEEDS_MODEL = 10
"""Posts the learned model needs without declared counts
(:data:`tigerblood.learn.combine.MIN_POSTS_WITHOUT_COUNTS`): no gate is stricter than this."""


NEVER = 2**31
"""A gate no account reaches: no detector in use reads that medium."""


@dataclass(frozen=True)
class Gates:
    """The least an account must show before it is judged (module docstring)."""

    posts: int = 1
    partners: int = 1
    following: int = 1
    replies_with_link: int = 1
    item_repeat: int = 1

    @classmethod
    def of(cls, detectors: Iterable[Any]) -> Gates:
        """The gates of ``detectors`` (each with ``name`` and ``thresholds``).

        >>> from tigerblood.detectors.registry import build_detectors
        >>> Gates.of(build_detectors())
        Gates(posts=10, partners=5, following=150, replies_with_link=3, item_repeat=3)
        >>> Gates.of([*build_detectors(), type("Plugin", (), {"name": "x", "thresholds": {}})()])
        Gates(posts=1, partners=1, following=1, replies_with_link=1, item_repeat=1)
        """
        detectors = list(detectors)
        known = POSTS.keys() | REPLIES_WITH_LINK.keys() | ITEM_REPEAT.keys() | CROSS_ONLY
        if any(d.name not in known | FOLLOWING.keys() | PARTNERS.keys() for d in detectors):
            return cls()
        return cls(
            posts=min(_laxest(detectors, POSTS, NEVER), NEEDS_MODEL),
            partners=_laxest(detectors, PARTNERS, NEVER),
            following=_laxest(detectors, FOLLOWING, NEVER),
            replies_with_link=_laxest(detectors, REPLIES_WITH_LINK, NEVER),
            item_repeat=_laxest(detectors, ITEM_REPEAT, NEVER),
        )

    def by_posts(self, posts: int, replies_with_link: int, items: dict[str, int] | None) -> bool:
        """Whether an account's own posts could meet a post rule's required signal (or give the
        model enough to read): posts enough, replies with a link enough, or one link or contact
        in enough posts (``items``: posts per item)."""
        if posts >= self.posts or replies_with_link >= self.replies_with_link:
            return True
        if items is None or posts < self.item_repeat:
            return False
        return max(items.values(), default=0) >= self.item_repeat


def _laxest(detectors: list[Any], reads: Mapping[str, str], none: int) -> int:
    """The smallest threshold among ``detectors`` named in ``reads`` (at least 1); ``none``
    when no such detector is in use."""
    values = [float(d.thresholds[reads[d.name]]) for d in detectors if d.name in reads]
    return max(1, int(min(values))) if values else none
