"""Feature values on a hand-checkable set of posts, computed by the real Ibis/DuckDB path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tigerblood import model
from tigerblood.features.compute import DESCRIPTIONS, compute_features
from tigerblood.store import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def post(pid: str, account: str, minutes: int, text: str, **extra) -> dict:
    return {
        "platform": "bluesky",
        "post_id": pid,
        "account_id": account,
        "created_at": T0 + timedelta(minutes=minutes),
        "text": text,
        "urls": extra.pop("urls", []),
        "mentions": extra.pop("mentions", []),
        "hashtags": extra.pop("hashtags", []),
        **extra,
    }


@pytest.fixture(scope="module")
def features() -> dict[str, dict]:
    store = Store()
    store.load(
        "accounts",
        model.to_table(
            "accounts",
            [
                {
                    "platform": "bluesky",
                    "account_id": "spam",
                    "followers_count": 0,
                    "following_count": 2,
                    "posts_count": 4,
                    "created_at": T0 - timedelta(days=10),
                },
                {
                    "platform": "bluesky",
                    "account_id": "alice",
                    "followers_count": 10,
                    "following_count": 5,
                    "posts_count": 3,
                },
            ],
        ),
    )
    store.load(
        "posts",
        model.to_table(
            "posts",
            [
                post(
                    "s1",
                    "spam",
                    0,
                    "Buy now https://shop.example/x",
                    reply_to_account_id="alice",
                    reply_to_post_id="a1",
                    urls=["https://shop.example/x"],
                ),
                post(
                    "s2",
                    "spam",
                    10,
                    "buy NOW   https://www.shop.example/x/",
                    reply_to_account_id="bob",
                    reply_to_post_id="b1",
                    urls=["https://www.shop.example/x/"],
                ),
                post(
                    "s3",
                    "spam",
                    20,
                    "Buy now http://shop.example/x",
                    reply_to_account_id="carol",
                    reply_to_post_id="c1",
                    urls=["http://shop.example/x"],
                ),
                post("s4", "spam", 30, "other thing #ad", hashtags=["ad"]),
                post("a1", "alice", 0, "hello @bob", mentions=["bob"]),
                post("a2", "alice", 100, "thinking"),
                post(
                    "a3",
                    "alice",
                    5000,
                    "reply to spam",
                    reply_to_account_id="spam",
                    reply_to_post_id="s1",
                ),
                post("z1", "zed", 0, "an author with no profile"),
            ],
        ),
    )
    store.load(
        "follows",
        model.to_table(
            "follows",
            [
                {
                    "platform": "bluesky",
                    "follower_id": "alice",
                    "followee_id": "spam",
                    "action": "follow",
                },
            ],
        ),
    )
    table = compute_features(store)
    return {r["account_id"]: r for r in table.to_pylist()}


def test_every_feature_is_documented_and_present(features) -> None:
    assert set(DESCRIPTIONS) <= set(features["spam"])
    assert all(line and "\n" not in line for line in DESCRIPTIONS.values())


def test_link_features_see_the_same_link_through_scheme_case_and_slashes(features) -> None:
    spam = features["spam"]
    assert spam["top_url"] == "shop.example/x"
    assert spam["top_url_repeat_count"] == 3
    assert spam["top_url_share"] == pytest.approx(0.75)
    assert spam["distinct_urls"] == 1
    assert spam["link_share"] == pytest.approx(0.75)


def test_reply_features(features) -> None:
    spam = features["spam"]
    assert spam["reply_share"] == pytest.approx(0.75)
    assert spam["replies_with_link_share"] == pytest.approx(1.0)
    assert spam["distinct_reply_targets"] == 3
    # alice follows spam; bob and carol do not: 2 of 3 replies went to non-followers.
    assert spam["reply_to_non_followers_share"] == pytest.approx(2 / 3)
    assert features["alice"]["reply_to_non_followers_share"] is None


def test_text_and_activity_features(features) -> None:
    spam, alice = features["spam"], features["alice"]
    assert spam["duplicate_text_share"] == pytest.approx(2 / 4)
    assert spam["hashtag_share"] == pytest.approx(0.25)
    # a1 mentions bob, a3 replies to spam without naming it (as a Bluesky reply), a2 neither.
    assert alice["mention_share"] == pytest.approx(2 / 3)
    assert spam["followers_per_following"] == 0.0
    assert spam["account_age_days"] == pytest.approx(10 + 30 / 1440)
    assert spam["posts_per_day"] == pytest.approx(4 / (10 + 30 / 1440))
    assert features["zed"]["observed_posts"] == 1 and features["zed"]["followers_count"] is None


def test_links_through_shorteners_are_recognised() -> None:
    store = Store()
    store.load(
        "posts",
        model.to_table(
            "posts",
            [
                post("1", "s", 0, "a", urls=["https://bit.ly/abc"]),
                post("2", "s", 1, "b", urls=["http://t.co/xyz", "https://example.com/p"]),
                post("3", "s", 2, "c", urls=["TinyURL.com/q"]),
            ],
        ),
    )
    [row] = compute_features(store).to_pylist()
    # bit.ly and tinyurl count; t.co wraps every Twitter link and is not held against anyone.
    assert row["shortened_link_share"] == pytest.approx(2 / 4)


@pytest.mark.parametrize("order", [["b", "a"], ["a", "b"]])
def test_when_two_links_are_repeated_equally_then_the_top_url_is_the_smaller(order) -> None:
    store = Store()
    rows = [
        post(f"{name}{i}", "s", i, "x", urls=[f"https://{name}.example/p"])
        for name in order
        for i in range(2)
    ]
    store.load("posts", model.to_table("posts", rows))
    [row] = compute_features(store).to_pylist()
    assert (row["top_url"], row["top_url_repeat_count"]) == ("a.example/p", 2)
