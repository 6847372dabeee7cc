"""Pitch conversations: real back-and-forth with many people, each exchange closed by a pitch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tigerblood.detectors.base import RuleDetector, Signal


class PitchConversationDetector(RuleDetector):
    """An account that converses with many people and ends most conversations with its pitch.

    The field report's third pattern, the one that looks most human: it replies, asks questions,
    comes back after the other person answers, and then closes with "my course is 50% off:
    link". A single exchange says little, so the pattern needs several partners, an account that
    really speaks more than once per thread, and pitches ending most of its threads; the same
    link sent to several different people and links in the endings raise confidence.

    Thresholds are set by reasoning, not fitted (no labelled conversation data exists; the
    generated scenarios only test the machinery):

    - ``min_partners`` 5: a habit across people, not one exchange with a friend; the same floor
      as a campaign's accounts.
    - ``min_own_turns`` 2: it speaks at least twice per thread on average, i.e. it comes back
      after being answered. A drive-by reply (link-reply spam) scores 1.
    - ``min_turns`` 4: a thread of root, answer, reply, answer at least.
    - ``min_pitch_ending_share`` 0.5: most of its threads end with a pitch from it; the text
      classifier's own 0.5 cut decides what a pitch is.
    - ``min_link_ending_share`` 0.5 and ``min_same_link_partners`` 3: the pitch carries a link,
      and one link went to three people or more, which friends sharing a useful page rarely do.
    - ``min_score`` 0.7: the three required signals weigh 4 of 6.5 (0.62), with long threads
      4.5 (0.69), so one link signal (links in the endings, or one link to many) must be met too.
    """

    name = "pitch_conversation"
    pattern = "pitch_conversation"
    description = "many partners, real back-and-forth, conversations ending with its pitch and link"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.7,
        "min_partners": 5,
        "min_own_turns": 2.0,
        "min_turns": 4.0,
        "min_pitch_ending_share": 0.5,
        "min_link_ending_share": 0.5,
        "min_same_link_partners": 3,
    }
    SIGNALS = (
        Signal(
            "distinct_partners",
            ">=",
            "min_partners",
            1.0,
            "talked with {distinct_partners} different accounts in {conversations_joined} threads",
            required=True,
        ),
        Signal(
            "own_turns_per_conversation",
            ">=",
            "min_own_turns",
            1.0,
            "comes back {own_turns_per_conversation:.1f} times per thread",
            required=True,
        ),
        Signal(
            "pitch_ending_share",
            ">=",
            "min_pitch_ending_share",
            2.0,
            "{pitch_ending_share:.0%} of its threads end with its sales pitch",
            required=True,
        ),
        Signal(
            "turns_per_conversation",
            ">=",
            "min_turns",
            0.5,
            "{turns_per_conversation:.1f} posts per thread",
        ),
        Signal(
            "link_ending_share",
            ">=",
            "min_link_ending_share",
            1.0,
            "{link_ending_share:.0%} end with a link from it",
        ),
        Signal(
            "same_link_across_partners",
            ">=",
            "min_same_link_partners",
            1.0,
            "sent the same link to {same_link_across_partners} different people",
        ),
    )
    EVIDENCE = (
        "conversations_joined",
        "distinct_partners",
        "turns_per_conversation",
        "own_turns_per_conversation",
        "pitch_ending_share",
        "link_ending_share",
        "same_link_across_partners",
    )
