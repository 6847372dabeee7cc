"""The ``pitch_conversation`` and ``coordinated_campaign`` detectors against tables of cases
(feature rows by hand), in the style of tests/test_detectors.py."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from tigerblood.detectors.base import Detector
from tigerblood.detectors.coordinated_campaign import CoordinatedCampaignDetector
from tigerblood.detectors.pitch_conversation import PitchConversationDetector

GENUINE: dict[str, Any] = {
    "platform": "bluesky",
    "account_id": "did:plc:someone",
    "handle": "someone.example.social",
    "observed_posts": 120,
    "conversations_joined": 30,
    "distinct_partners": 25,
    "turns_per_conversation": 5.0,
    "own_turns_per_conversation": 1.8,
    "pitch_ending_share": 0.03,
    "link_ending_share": 0.1,
    "same_link_across_partners": 1,
    "campaign_count": 0,
    "campaign_items": 0,
    "campaign_repeat_partners": 0,
    "largest_campaign_accounts": 0,
    "largest_campaign_id": None,
    "campaign_post_share": 0.0,
}

PITCHER = {
    "conversations_joined": 14,
    "distinct_partners": 14,
    "turns_per_conversation": 8.0,
    "own_turns_per_conversation": 4.0,
    "pitch_ending_share": 0.93,
    "link_ending_share": 0.93,
    "same_link_across_partners": 13,
}


def fires(detector: Detector, **changes: Any) -> bool:
    return bool(detector.detect(pa.Table.from_pylist([{**GENUINE, **changes}])))


PITCH_CASES = [
    ("genuine conversationalist", {}, False),
    ("talks with many, closes each exchange with its pitch and link", PITCHER, True),
    (
        "drive-by link replies (link-reply spam) are not conversations",
        {**PITCHER, "own_turns_per_conversation": 1.0, "turns_per_conversation": 2.0},
        False,
    ),
    ("one friend, many pitches", {**PITCHER, "distinct_partners": 2}, False),
    (
        "pitches without links, each to one person",
        {**PITCHER, "link_ending_share": 0.0, "same_link_across_partners": 1},
        False,
    ),
    (
        "pitches without links but long threads",
        {**PITCHER, "link_ending_share": 0.1, "same_link_across_partners": 0},
        False,
    ),
    ("pitches carrying varied links", {**PITCHER, "same_link_across_partners": 1}, True),
    ("a few pitches among many real endings", {**PITCHER, "pitch_ending_share": 0.2}, False),
    (
        "never in a conversation",
        {
            "conversations_joined": 0,
            "distinct_partners": 0,
            "turns_per_conversation": None,
            "own_turns_per_conversation": None,
            "pitch_ending_share": None,
            "link_ending_share": None,
        },
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), PITCH_CASES, ids=[c[0] for c in PITCH_CASES]
)
def test_pitch_conversation_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(PitchConversationDetector(), **changes) is expected


CREW = {
    "campaign_count": 3,
    "campaign_items": 3,
    "campaign_repeat_partners": 7,
    "largest_campaign_accounts": 8,
    "largest_campaign_id": "cmp-0123456789ab",
    "campaign_post_share": 0.3,
}

CAMPAIGN_CASES = [
    ("genuine account", {}, False),
    ("a crew pushing item after item", CREW, True),
    ("a crew member who posts a lot else", {**CREW, "campaign_post_share": 0.01}, True),
    (
        "caught once in a viral moment",
        {**CREW, "campaign_count": 1, "campaign_items": 1, "campaign_repeat_partners": 0},
        False,
    ),
    (
        "one app's share template bursting every day",
        {**CREW, "campaign_count": 9, "campaign_items": 1, "campaign_repeat_partners": 30},
        False,
    ),
    (
        "two viral moments with strangers",
        {**CREW, "campaign_items": 2, "campaign_count": 2, "campaign_repeat_partners": 1},
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), CAMPAIGN_CASES, ids=[c[0] for c in CAMPAIGN_CASES]
)
def test_coordinated_campaign_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(CoordinatedCampaignDetector(), **changes) is expected


def test_findings_quote_the_accounts_numbers_and_cite_the_cluster() -> None:
    [pitch] = PitchConversationDetector().detect(pa.Table.from_pylist([{**GENUINE, **PITCHER}]))
    assert "talked with 14 different accounts" in pitch.summary
    assert "93% of its threads end with its sales pitch" in pitch.summary
    assert pitch.evidence["same_link_across_partners"] == 13
    [crew] = CoordinatedCampaignDetector().detect(pa.Table.from_pylist([{**GENUINE, **CREW}]))
    assert "cmp-0123456789ab" in crew.summary and crew.evidence["largest_campaign_id"] == (
        "cmp-0123456789ab"
    )
    assert 0 < crew.score <= 1


def test_thresholds_are_overridable() -> None:
    assert not fires(PitchConversationDetector(min_partners=50), **PITCHER)
    assert not fires(CoordinatedCampaignDetector(min_campaign_items=5), **CREW)
