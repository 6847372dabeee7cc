"""Link-mention spam: the same link sent to many people it addresses, without ever talking.

The field report's first pattern reaches its targets by replying; just as often it reaches them by
naming them: "@someone check this out bit.ly/…" in a post of its own, to stranger after
stranger. Older Twitter data and many exports carry no reply ids at all, only the text, so there
the mention is the only trace of whom a post was aimed at. ``link_reply_spam`` needs replies and
misses both; this detector reads whom the account addressed, by reply or mention
(:mod:`tigerblood.features.listening`: ``pitched_to_accounts``, ``pitched_account_share``) and
serves the same pattern, ``link_reply_spam``, with its own evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from tigerblood.detectors.base import RuleDetector, Signal, _known
from tigerblood.detectors.link_reply_spam import is_contact


class LinkMentionSpamDetector(RuleDetector):
    """Many different accounts addressed, nearly every one of them handed a link, one link
    above all, and no conversation with them.

    Thresholds are set by reasoning about accounts, then checked for false alarms on
    Cresci-2015's genuine accounts (the only labelled source with posts; its fake followers
    are not spammers, so it says nothing of recall):

    - ``min_pitched_accounts`` 10: ten different people got a link (or a contact, or a pitch)
      addressed to them; one's friends get a link now and then, not ten of them each once.
    - ``min_pitched_share`` 0.8: four in five of everyone it addresses get one. People who
      mention others mostly talk to them (Cresci-2015 genuine: median 0.32, 90th percentile
      0.60).
    - ``min_top_url_share`` 0.2: the same link or contact in one post of five (Cresci-2015
      genuine: 99th percentile 0.25, and rarely together with the two above).
    - ``max_talked_share`` 0.2: of the accounts it handed a link, at most one in five ever
      answered and were answered again (``talked_with_accounts``); above that it converses,
      which is ``pitch_conversation``'s reading, not this one.
    - ``min_top_url_repeat`` 3: that link in three posts at least, a habit, as
      ``link_reply_spam``'s three replies: one post tagging ten friends with a link reaches ten
      accounts at once and is no habit (a gate, no weight).
    - ``max_followers`` 50 raises confidence, as in ``link_reply_spam``; ``min_score`` 0.7: the
      three weighted required signals weigh 4.5 of 5.5.

    On Cresci-2015 (1,950 genuine accounts, all their posts, 2026-12-07) it fires on
    3 genuine accounts: measured in docs/detectors.md with the command that gives it.
    """

    name = "link_mention_spam"
    pattern = "link_reply_spam"
    description = "one link handed to many accounts it mentions or replies to, no conversation"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.7,
        "min_pitched_accounts": 10,
        "min_pitched_share": 0.8,
        "min_top_url_share": 0.2,
        "min_top_url_repeat": 3,
        "max_followers": 50,
        "max_talked_share": 0.2,
    }
    SIGNALS = (
        Signal(
            "pitched_to_accounts",
            ">=",
            "min_pitched_accounts",
            1.0,
            "{pitched_to_accounts} different accounts it addressed were handed a link, a contact "
            "or a pitch",
            required=True,
        ),
        Signal(
            "pitched_account_share",
            ">=",
            "min_pitched_share",
            2.0,
            "{pitched_account_share:.0%} of everyone it mentioned or replied to",
            required=True,
        ),
        Signal(
            "top_url_share",
            ">=",
            "min_top_url_share",
            1.5,
            "{top_url_repeat_count} posts ({top_url_share:.0%}) carry the same {item} {top_url}",
            required=True,
        ),
        # A habit: one post tagging ten friends with a link reaches ten accounts at once.
        Signal("top_url_repeat_count", ">=", "min_top_url_repeat", 0.0, "", required=True),
        Signal("followers_count", "<=", "max_followers", 1.0, "only {followers_count} followers"),
    )
    EVIDENCE = (
        "observed_posts",
        "pitched_to_accounts",
        "pitched_account_share",
        "talked_with_accounts",
        "mention_share",
        "reply_share",
        "top_url",
        "top_url_repeat_count",
        "top_url_share",
        "distinct_urls",
        "followers_count",
    )

    def judge(self, row: Mapping[str, Any]) -> tuple[float, list[Signal]]:
        """The signals' score, unless it really talks with the people it hands links to."""
        talked, pitched = row.get("talked_with_accounts"), row.get("pitched_to_accounts")
        limit = self.thresholds_for(row)["max_talked_share"]
        if _known(talked) and _known(pitched) and pitched > 0 and talked / pitched > limit:
            return 0.0, []
        return super().judge(row)

    def candidates(self, features: pa.Table) -> np.ndarray | None:
        """The signals' candidates: :meth:`judge` only ever lowers their score."""
        return super().candidates(features)

    def phrase_values(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """``item`` as in ``link_reply_spam``: a contact is named a contact."""
        return {"item": "contact" if is_contact(row.get("top_url")) else "link"}
