"""Each rule detector against a table of cases, plus the meta-tests that keep detectors honest:
every registered detector has a case table here and an entry in docs/detectors.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tigerblood.detectors.automation import AutomationDetector
from tigerblood.detectors.base import Detector
from tigerblood.detectors.follow_farming import FollowFarmingDetector
from tigerblood.detectors.follow_harvesting import FollowHarvestingDetector
from tigerblood.detectors.link_mention_spam import LinkMentionSpamDetector
from tigerblood.detectors.link_reply_spam import LinkReplySpamDetector
from tigerblood.detectors.promotional_broadcast import PromotionalBroadcastDetector
from tigerblood.detectors.registry import build_detectors, detector_classes, load_config

GENUINE: dict[str, Any] = {
    "platform": "twitter",
    "account_id": "1",
    "handle": "someone",
    "observed_posts": 300,
    "posts_count": 4000,
    "posts_per_day": 3.0,
    "interval_cv": 2.1,
    "median_interval_s": 9000.0,
    "account_age_days": 1500.0,
    "link_share": 0.2,
    "replies_with_link_share": 0.05,
    "replies_with_link_count": 6,
    "distinct_urls": 50,
    "top_url": "example.org/a",
    "top_url_repeat_count": 2,
    "top_url_share": 0.007,
    "reply_share": 0.4,
    "distinct_reply_targets": 90,
    "reply_to_non_followers_share": 0.2,
    "followers_count": 800,
    "following_count": 400,
    "followers_per_following": 2.0,
    "counts_declared": True,
    "duplicate_text_share": 0.01,
    "mention_share": 0.5,
    "hashtag_share": 0.1,
}


def rows(**changes: Any) -> pa.Table:
    return pa.Table.from_pylist([{**GENUINE, **changes}])


def fires(detector: Detector, **changes: Any) -> bool:
    return bool(detector.detect(rows(**changes)))


LINK_REPLY_CASES = [
    ("genuine conversationalist", {}, False),
    (
        "replies carrying one link from a no-audience account",
        {
            "replies_with_link_share": 0.95,
            "reply_share": 0.9,
            "followers_count": 0,
            "following_count": 3,
            "top_url_share": 0.9,
            "top_url_repeat_count": 400,
            "reply_to_non_followers_share": 1.0,
        },
        True,
    ),
    (
        "links in replies but a real audience and varied links",
        {
            "replies_with_link_share": 0.6,
            "followers_count": 5000,
            "top_url_share": 0.01,
            "top_url_repeat_count": 3,
        },
        False,
    ),
    (
        "same link everywhere but never in replies",
        {
            "replies_with_link_share": 0.0,
            "top_url_share": 0.9,
            "top_url_repeat_count": 300,
            "followers_count": 0,
        },
        False,
    ),
    (
        "one reply with a link in a two-post sample: no habit shown",
        {
            "observed_posts": 2,
            "reply_share": 0.5,
            "replies_with_link_share": 1.0,
            "replies_with_link_count": 1,
            "top_url_share": 0.5,
            "top_url_repeat_count": 1,
        },
        False,
    ),
    (
        "three replies with a link from a no-audience account: a habit",
        {
            "observed_posts": 4,
            "reply_share": 0.75,
            "replies_with_link_share": 1.0,
            "replies_with_link_count": 3,
            "followers_count": 0,
            "top_url_share": 0.75,
            "top_url_repeat_count": 3,
        },
        True,
    ),
    (
        "follows unknown: still judged on the rest",
        {
            "replies_with_link_share": 1.0,
            "reply_share": 1.0,
            "followers_count": 2,
            "top_url_share": 0.8,
            "top_url_repeat_count": 120,
            "reply_to_non_followers_share": None,
        },
        True,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), LINK_REPLY_CASES, ids=[c[0] for c in LINK_REPLY_CASES]
)
def test_link_reply_spam_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(LinkReplySpamDetector(), **changes) is expected


FOLLOW_FARM_CASES = [
    ("genuine account", {}, False),
    (
        "zero posts, follows 700, 150 followers",
        {
            "posts_count": 0,
            "observed_posts": 0,
            "following_count": 700,
            "followers_count": 15,
            "followers_per_following": 15 / 700,
            "posts_per_day": None,
        },
        True,
    ),
    (
        "bought follower: 300 followed, 11 back, 22 posts",
        {
            "posts_count": 22,
            "following_count": 300,
            "followers_count": 11,
            "followers_per_following": 11 / 300,
            "posts_per_day": 0.05,
        },
        True,
    ),
    (
        "follows many but followed back by many",
        {
            "posts_count": 30,
            "following_count": 900,
            "followers_count": 850,
            "followers_per_following": 850 / 900,
        },
        False,
    ),
    (
        "follows few",
        {
            "posts_count": 3,
            "following_count": 40,
            "followers_count": 1,
            "followers_per_following": 1 / 40,
        },
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), FOLLOW_FARM_CASES, ids=[c[0] for c in FOLLOW_FARM_CASES]
)
def test_follow_farming_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(FollowFarmingDetector(), **changes) is expected


AUTOMATION_CASES = [
    ("genuine account", {}, False),
    ("same text again and again", {"duplicate_text_share": 0.8}, True),
    (
        "clockwork posting, many a day",
        {"interval_cv": 0.05, "posts_per_day": 96.0, "median_interval_s": 900.0},
        True,
    ),
    ("too few posts to judge", {"observed_posts": 5, "duplicate_text_share": 1.0}, False),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), AUTOMATION_CASES, ids=[c[0] for c in AUTOMATION_CASES]
)
def test_automation_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(AutomationDetector(), **changes) is expected


def follow(following: int, followers: int, **more: Any) -> dict[str, Any]:
    """A row's follow counts, with the ratio the graph features would compute."""
    return {
        "following_count": following,
        "followers_count": followers,
        "followers_per_following": followers / max(following, 1),
        **more,
    }


FOLLOW_HARVEST_CASES = [
    ("genuine account", {}, False),
    ("following 4000 with 50 followers, posting a lot", follow(4000, 50), True),
    ("following 2500 with 30 followers and no posts", follow(2500, 30, posts_count=0), True),
    ("following 1000 with 100 followers: at both thresholds", follow(1000, 100), True),
    ("Instagram user following 800 with 40 followers", follow(800, 40), False),
    (
        "Bluesky newcomer after starter packs: 450 followed, 3 followers, no posts",
        follow(450, 3, posts_count=0, observed_posts=0),
        False,
    ),
    ("follows 3000 and 900 follow it", follow(3000, 900), False),
    (
        "bought follower: 300 followed, 11 back, 22 posts (follow_farming, not this)",
        follow(300, 11, posts_count=22),
        False,
    ),
    (
        "counts from observed follow edges only: a lower bound",
        follow(4000, 10, counts_declared=False),
        False,
    ),
    ("whether counts were declared is unknown", follow(4000, 10, counts_declared=None), False),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), FOLLOW_HARVEST_CASES, ids=[c[0] for c in FOLLOW_HARVEST_CASES]
)
def test_follow_harvesting_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(FollowHarvestingDetector(), **changes) is expected


def test_when_following_4210_with_96_followers_then_follow_harvesting_says_so_in_numbers() -> None:
    [finding] = FollowHarvestingDetector().detect(rows(**follow(4210, 96)))
    assert finding.summary == "follows 4,210 accounts; 96 follow it (0.02 per followed)"
    assert finding.evidence["following_count"] == 4210
    assert finding.evidence["followers_count"] == 96
    assert finding.evidence["signals_met"] == [
        "counts_declared",
        "following_count",
        "followers_per_following",
    ]


def test_when_followed_back_by_almost_none_then_follow_harvesting_is_surer() -> None:
    [some] = FollowHarvestingDetector().detect(rows(**follow(2000, 150)))
    [none] = FollowHarvestingDetector().detect(rows(**follow(2000, 10)))
    assert 0.5 <= some.score < none.score == 1.0


BROADCASTER = {
    "observed_posts": 120,
    "link_share": 0.9,
    "reply_share": 0.0,
    "mention_share": 0.05,
    "top_url": "shop.example/deal",
    "top_url_share": 0.6,
    "top_url_repeat_count": 72,
    "distinct_urls": 9,
    "duplicate_text_share": 0.05,
}

PROMO_BROADCAST_CASES = [
    ("genuine account", {}, False),
    ("pushes one link in most posts and never replies", BROADCASTER, True),
    (
        "the same pitch text again with different links",
        {
            **BROADCASTER,
            "top_url_share": 0.02,
            "top_url_repeat_count": 2,
            "duplicate_text_share": 0.7,
        },
        True,
    ),
    (
        "news sharer: links all day, all different, never replies",
        {
            **BROADCASTER,
            "top_url_share": 0.01,
            "top_url_repeat_count": 1,
            "duplicate_text_share": 0.0,
        },
        False,
    ),
    (
        "brand that pushes its link but answers its customers",
        {**BROADCASTER, "reply_share": 0.3, "mention_share": 0.6},
        False,
    ),
    (
        "pushes its link, no replies, but mentions people in most posts",
        {**BROADCASTER, "mention_share": 0.7},
        False,
    ),
    ("too few posts to judge", {**BROADCASTER, "observed_posts": 10}, False),
    (
        "repeats one text but rarely links (automation, not this)",
        {**BROADCASTER, "link_share": 0.1, "top_url_share": 0.05, "duplicate_text_share": 0.8},
        False,
    ),
    (
        "texts unknown: the repeated link still shows",
        {**BROADCASTER, "duplicate_text_share": None},
        True,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"),
    PROMO_BROADCAST_CASES,
    ids=[c[0] for c in PROMO_BROADCAST_CASES],
)
def test_promotional_broadcast_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(PromotionalBroadcastDetector(), **changes) is expected


def test_when_one_link_is_pushed_without_conversation_then_the_summary_names_it() -> None:
    [finding] = PromotionalBroadcastDetector().detect(rows(**BROADCASTER))
    assert finding.summary == (
        "90% of its 120 posts carry a link; 0% are replies; 5% address anyone; "
        "72 (60%) carry the same link shop.example/deal"
    )
    assert finding.evidence["top_url"] == "shop.example/deal"


def test_a_finding_quotes_the_accounts_own_numbers() -> None:
    [finding] = FollowFarmingDetector().detect(
        rows(
            posts_count=22,
            following_count=257,
            followers_count=11,
            followers_per_following=11 / 257,
            posts_per_day=0.02,
        )
    )
    assert "follows 257 accounts" in finding.summary and "11 follow it back" in finding.summary
    assert finding.evidence["following_count"] == 257
    assert 0 < finding.score <= 1


def test_thresholds_are_overridable_in_constructor_and_yaml(tmp_path: Path) -> None:
    bought = {
        "posts_count": 22,
        "following_count": 160,
        "followers_count": 11,
        "followers_per_following": 11 / 160,
        "posts_per_day": 0.05,
    }
    assert fires(FollowFarmingDetector(), **bought)
    assert not fires(FollowFarmingDetector(min_following=1000), **bought)
    config = tmp_path / "rules.yaml"
    config.write_text("detectors:\n  follow_farming:\n    min_following: 1000\n")
    detectors = {d.name: d for d in build_detectors(load_config(config))}
    assert not detectors["follow_farming"].detect(rows(**bought))
    with pytest.raises(ValueError, match="unknown threshold"):
        FollowFarmingDetector(not_a_threshold=1)


MENTION_SPAMMER = {
    "observed_posts": 200,
    "reply_share": 0.0,
    "replies_with_link_share": None,
    "replies_with_link_count": 0,
    "mention_share": 0.95,
    "link_share": 0.95,
    "pitched_to_accounts": 180,
    "pitched_account_share": 0.97,
    "talked_with_accounts": 0,
    "top_url": "bit.ly/deal",
    "top_url_share": 0.7,
    "top_url_repeat_count": 140,
    "followers_count": 12,
}

LINK_MENTION_CASES = [
    ("genuine conversationalist", {}, False),
    ("hands one link to 180 strangers it mentions, never replies", MENTION_SPAMMER, True),
    (
        "the same through replies (link_reply_spam's own case, read here too)",
        {**MENTION_SPAMMER, "reply_share": 0.9, "mention_share": 0.95},
        True,
    ),
    (
        "mentions friends with a link now and then",
        {**MENTION_SPAMMER, "pitched_account_share": 0.3, "pitched_to_accounts": 40},
        False,
    ),
    (
        "hands links to everyone it mentions, but all different (a link sharer)",
        {**MENTION_SPAMMER, "top_url_share": 0.02, "top_url_repeat_count": 4},
        False,
    ),
    (
        "talks with most of the people it hands its link (pitch_conversation's reading)",
        {**MENTION_SPAMMER, "talked_with_accounts": 120},
        False,
    ),
    ("five people addressed: no habit shown", {**MENTION_SPAMMER, "pitched_to_accounts": 5}, False),
    (
        "one post tagging ten friends with a link: no habit shown",
        {
            **MENTION_SPAMMER,
            "observed_posts": 1,
            "pitched_to_accounts": 10,
            "pitched_account_share": 1.0,
            "top_url_share": 1.0,
            "top_url_repeat_count": 1,
        },
        False,
    ),
    (
        "a real audience still hands one link to everyone it addresses",
        {**MENTION_SPAMMER, "followers_count": 5000},
        True,
    ),
    (
        "whom it addressed unknown (no posts read): not judged",
        {**MENTION_SPAMMER, "pitched_to_accounts": None, "pitched_account_share": None},
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "expected"), LINK_MENTION_CASES, ids=[c[0] for c in LINK_MENTION_CASES]
)
def test_link_mention_spam_cases(case: str, changes: dict, expected: bool) -> None:
    assert fires(LinkMentionSpamDetector(), **changes) is expected


def test_a_mention_spammer_is_named_for_the_link_reply_pattern_with_whom_it_addressed() -> None:
    [finding] = LinkMentionSpamDetector().detect(rows(**MENTION_SPAMMER))
    assert finding.pattern == "link_reply_spam"
    assert finding.summary.startswith("180 different accounts it addressed were handed a link")
    assert "140 posts (70%) carry the same link bit.ly/deal" in finding.summary
    assert finding.evidence["pitched_to_accounts"] == 180


CASE_TABLES = {
    "link_reply_spam": LINK_REPLY_CASES,
    "link_mention_spam": LINK_MENTION_CASES,
    "follow_farming": FOLLOW_FARM_CASES,
    "automation": AUTOMATION_CASES,
    "follow_harvesting": FOLLOW_HARVEST_CASES,
    "promotional_broadcast": PROMO_BROADCAST_CASES,
}


@pytest.mark.parametrize("name", sorted(detector_classes()))
def test_every_registered_detector_has_cases_and_documentation(name: str) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "detectors.md").read_text()
    if name not in CASE_TABLES:
        module = Path(__file__).resolve().parent
        assert any(name in p.read_text() for p in module.glob("test_*.py") if p.name != __file__)
    assert f"## `{name}`" in docs


def test_a_spammer_naming_strangers_mid_text_is_found_in_a_text_only_export(
    tmp_path: Path,
) -> None:
    """The tabular layout as an older Twitter export gives it: text and times, no reply ids.
    Mentions inside the text are no replies, so only link_mention_spam can read the pattern."""
    import random
    from datetime import UTC, datetime, timedelta

    from tigerblood.scan import scan
    from tigerblood.store import Store

    rng = random.Random(5)
    openers = ["Hey", "Look", "Wow", "Psst", "Hi there", "You need this"]
    (tmp_path / "accounts.csv").write_text(
        "platform,account_id,handle,followers_count,following_count,posts_count\n"
        "twitter,900,dealz4u,8,40,60\n"
    )
    lines = ["platform,post_id,account_id,created_at,text"]
    at = datetime(2010, 6, 1, tzinfo=UTC)
    for i in range(30):
        at += timedelta(minutes=rng.randint(20, 900))
        text = f"{rng.choice(openers)} {rng.randint(2, 90)}% off @shopper{i} http://bit.ly/dz4u"
        lines.append(f"twitter,p{i},900,{at.isoformat()},{text}")
    (tmp_path / "posts.csv").write_text("\n".join(lines) + "\n")
    [verdict] = scan([tmp_path], Store()).verdicts
    findings = {f["detector"]: f for f in verdict["findings"]}
    assert "link_reply_spam" not in findings  # no replies in the data
    assert findings["link_mention_spam"]["pattern"] == "link_reply_spam"
    assert findings["link_mention_spam"]["evidence"]["pitched_to_accounts"] == 30
    quoted = findings["link_mention_spam"]["evidence"]["posts"]  # the posts behind it
    assert quoted and all("bit.ly/dz4u" in p["text"] and "@shopper" in p["text"] for p in quoted)
    assert "link_reply_spam" in verdict["patterns"]
