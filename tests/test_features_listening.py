"""Listening and borrowed reach on a hand-checkable set of posts, by the real Ibis/DuckDB path.

alice and bob talk: bob posts, alice replies (to a stranger: not an answer), bob answers her,
she answers back. A phone-number spammer with 3 followers replies under three posts of a star
(100,000 followers) and one of a small account (50), every reply carrying its WhatsApp number.
carl, from a research CSV, replies by handle only (no thread). ghost replies with no follower
count known anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tigerblood import model
from tigerblood.conversations import build_conversations
from tigerblood.features.compute import compute_features
from tigerblood.store import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)
PHONE = "whatsapp:+447911123456"


def account(ident: str, followers: int | None, handle: str | None = None) -> dict:
    return {
        "platform": "bluesky",
        "account_id": ident,
        "handle": handle or ident,
        "followers_count": followers,
        "following_count": 10 if followers is not None else None,
    }


def post(pid: str, who: str, minutes: int, **extra) -> dict:
    return {
        "platform": "bluesky",
        "post_id": pid,
        "account_id": who,
        "created_at": T0 + timedelta(minutes=minutes),
        "text": extra.pop("text", f"post {pid}"),
        "urls": [],
        "mentions": extra.pop("mentions", []),
        "hashtags": [],
        "contacts": extra.pop("contacts", []),
        **extra,
    }


def reply(pid: str, who: str, minutes: int, parent: str, to: str, root: str, **extra) -> dict:
    return post(
        pid,
        who,
        minutes,
        reply_to_post_id=parent,
        reply_to_account_id=to,
        root_post_id=root,
        **extra,
    )


@pytest.fixture(scope="module")
def features() -> dict[str, dict]:
    store = Store()
    accounts = [
        account("alice", 40),
        account("bob", 60),
        account("spam", 3),
        account("star", 100_000, handle="Star"),
        account("pal", 50),
        account("carl", 10),
    ]
    posts = [
        post("b1", "bob", 0),
        reply("a1", "alice", 5, "b1", "bob", "b1"),
        reply("b2", "bob", 10, "a1", "alice", "b1"),
        reply("a2", "alice", 15, "b2", "bob", "b1"),
        *(post(f"t{i}", "star", i) for i in range(3)),
        post("p1", "pal", 1),
        *(
            reply(f"s{i}", "spam", 20 + i, f"t{i}", "star", f"t{i}", contacts=[PHONE])
            for i in range(3)
        ),
        reply("s3", "spam", 30, "p1", "pal", "p1", contacts=[PHONE]),
        post("c1", "carl", 40, text="@Star hi", reply_to_account_id="@Star", mentions=["Star"]),
        reply("g1", "ghost", 50, "t0", "star", "t0"),
    ]
    store.load("accounts", model.to_table("accounts", accounts))
    store.load("posts", model.to_table("posts", posts))
    build_conversations(store, score=False)
    return {r["account_id"]: r for r in compute_features(store).to_pylist()}


CASES = [
    # account, feature, expected (None: the data cannot tell)
    ("alice", "answering_reply_share", 0.5),  # a1 to a stranger's post, a2 answers bob
    ("bob", "answering_reply_share", 1.0),  # b2 answers a reply addressed to him
    ("spam", "answering_reply_share", 0.0),  # every reply under a stranger's post
    ("carl", "answering_reply_share", None),  # no thread: a research CSV's reply by handle
    ("alice", "returns_after_answer_share", 1.0),  # bob answered her, she came back
    ("spam", "returns_after_answer_share", None),  # nobody ever answered it
    ("alice", "talked_with_accounts", 1),
    ("spam", "talked_with_accounts", 0),
    ("spam", "pitched_to_accounts", 2),  # star and pal got its number
    ("spam", "pitched_account_share", 1.0),
    ("alice", "pitched_account_share", 0.0),
    ("carl", "pitched_account_share", 0.0),  # "@Star" is matched to star by handle
    ("spam", "big_target_share", 0.75),  # 3 of 4 replies to an account with >= 300 followers
    ("spam", "big_target_promo_share", 1.0),  # each of those carries the number
    ("carl", "big_target_share", 1.0),  # star has 10,000 times carl's followers
    ("carl", "big_target_promo_share", 0.0),
    ("alice", "big_target_share", 0.0),
    ("alice", "big_target_promo_share", None),  # no reply to a far bigger account
    ("ghost", "big_target_share", None),  # its own follower count is unknown
]


@pytest.mark.parametrize(("who", "feature", "expected"), CASES)
def test_listening_and_borrowed_reach_count_what_the_posts_show(
    features: dict[str, dict], who: str, feature: str, expected: float | None
) -> None:
    assert features[who][feature] == (pytest.approx(expected) if expected is not None else None)
