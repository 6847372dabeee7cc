"""How much of an account the live feed needs before judging it, read off the detectors in use.

Judging every account that posted once costs most of a busy feed's time and cannot flag anyone:
no rule reads one post. But "how much is enough" belongs to the detectors, and a YAML config may
lower a detector's threshold (``min_replies_with_link: 2``): the gate must follow, or an account
the configured rule would flag is never judged live. So each gate is the laxest threshold among
the detectors in use that read that medium; a detector the gates know nothing about (a
third-party plugin) may read anything, so with one in use an account is judged from its first
post, as before the gates.

Example::

    gates = Gates.of(build_detectors())
    gates.posts, gates.partners, gates.following    # 3, 5, 150 with the built-ins' defaults
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

POSTS = {
    "link_reply_spam": "min_replies_with_link",
    "link_mention_spam": "min_top_url_repeat",
    "automation": "min_observed_posts",
    "promotional_broadcast": "min_observed_posts",
}
"""Rules that read an account's own posts, and the threshold that says how many they need."""

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

    @classmethod
    def of(cls, detectors: Iterable[Any]) -> Gates:
        """The gates of ``detectors`` (each with ``name`` and ``thresholds``).

        >>> from tigerblood.detectors.registry import build_detectors
        >>> Gates.of(build_detectors())
        Gates(posts=3, partners=5, following=150)
        >>> Gates.of([*build_detectors(), type("Plugin", (), {"name": "x", "thresholds": {}})()])
        Gates(posts=1, partners=1, following=1)
        """
        detectors = list(detectors)
        known = POSTS.keys() | FOLLOWING.keys() | PARTNERS.keys() | CROSS_ONLY
        if any(d.name not in known for d in detectors):
            return cls()
        return cls(
            posts=_laxest(detectors, POSTS, NEEDS_MODEL),
            partners=_laxest(detectors, PARTNERS, NEVER),
            following=_laxest(detectors, FOLLOWING, NEVER),
        )


def _laxest(detectors: list[Any], reads: Mapping[str, str], none: int) -> int:
    """The smallest threshold among ``detectors`` named in ``reads`` (at least 1); ``none``
    when no such detector is in use."""
    values = [float(d.thresholds[reads[d.name]]) for d in detectors if d.name in reads]
    return max(1, int(min(values))) if values else none
