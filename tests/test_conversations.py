"""Threads rebuilt from reply chains, and the per-account conversation features, on posts small
enough to check by hand."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.conversation_support import T0, feature_table, post, store_with
from tigerblood.conversations import build_conversations, pitch_conversation_posts
from tigerblood.store import Store

LINK = "https://course.example/start"


def scored(store: Store, scores: dict[str, float]) -> None:
    """Pitch scores by hand, so feature tests do not depend on the classifier."""
    table = pa.table(
        {
            "platform": ["bluesky"] * len(scores),
            "post_id": list(scores),
            "pitch_score": list(scores.values()),
        }
    )
    store.con.register("_scores", table)
    store.sql("INSERT INTO post_pitch SELECT * FROM _scores")
    store.con.unregister("_scores")


def conversations(store: Store) -> dict[str, dict]:
    rows = store.arrow("SELECT * FROM conversations").to_pylist()
    return {r["conversation_id"]: r for r in rows}


THREAD_CASES = [
    (
        "bluesky: every reply names its root",
        [
            post("r", "ann", 0, "root"),
            post("a", "bob", 1, reply_to_post_id="r", reply_to_account_id="ann", root_post_id="r"),
            post("b", "ann", 2, reply_to_post_id="a", reply_to_account_id="bob", root_post_id="r"),
        ],
        {"r": (2, 3, "ann")},
    ),
    (
        "mastodon: only parents, the root is found by walking up",
        [
            post("r", "ann", 0),
            post("a", "bob", 1, reply_to_post_id="r"),
            post("b", "cat", 2, reply_to_post_id="a"),
            post("c", "bob", 3, reply_to_post_id="b"),
        ],
        {"r": (3, 4, "bob")},
    ),
    (
        "parent missing from the data: its id names the thread, its author takes part",
        [
            post("a", "bob", 1, reply_to_post_id="gone", reply_to_account_id="ann"),
            post("b", "cat", 2, reply_to_post_id="a"),
        ],
        {"gone": (3, 2, "cat")},
    ),
    (
        "twitter: the root's conversation id is its own id",
        [
            post("r", "ann", 0, root_post_id="r"),
            post("a", "bob", 1, reply_to_post_id="r", root_post_id="r"),
        ],
        {"r": (2, 2, "bob")},
    ),
    (
        "a self-thread is a monologue, not a conversation",
        [post("r", "ann", 0), post("a", "ann", 1, reply_to_post_id="r")],
        {},
    ),
    (
        "a reply cycle in bad data ends the walk instead of looping",
        [
            post("x", "ann", 0, reply_to_post_id="y"),
            post("y", "bob", 1, reply_to_post_id="x"),
        ],
        "any",
    ),
    (
        "reposts are not turns",
        [
            post("r", "ann", 0),
            post("a", "bob", 1, reply_to_post_id="r"),
            post("p", "cat", 2, repost_of_post_id="r", text=None),
        ],
        {"r": (2, 2, "bob")},
    ),
    (
        "replies known only by account (a research CSV) have no thread to join",
        [post("a", "bob", 1, reply_to_account_id="ann")],
        {},
    ),
]


@pytest.mark.parametrize(
    ("case", "posts", "expected"), THREAD_CASES, ids=[c[0] for c in THREAD_CASES]
)
def test_threads_from_reply_chains(case: str, posts: list[dict], expected) -> None:
    store = store_with(posts)
    build_conversations(store, score=False)
    found = conversations(store)
    if expected == "any":
        return
    assert {k: (v["participants"], v["turns"], v["last_speaker"]) for k, v in found.items()} == (
        expected
    )


def test_turns_are_numbered_in_time_order_and_name_whom_they_answer() -> None:
    store = store_with(
        [
            post("r", "ann", 0),
            post("b", "ann", 20, reply_to_post_id="a"),
            post("a", "bob", 10, reply_to_post_id="r"),
        ]
    )
    build_conversations(store, score=False)
    turns = store.arrow(
        "SELECT post_id, turn, parent_account_id FROM conversation_turns ORDER BY turn"
    ).to_pylist()
    assert [(t["post_id"], t["turn"], t["parent_account_id"]) for t in turns] == [
        ("r", 1, None),
        ("a", 2, "ann"),
        ("b", 3, "bob"),
    ]
    [conv] = conversations(store).values()
    assert conv["started_at"] == T0 and conv["root_account_id"] == "ann"
    assert conv["participant_ids"] == ["ann", "bob"]


def pitch_thread(n: int, partner: str) -> list[dict]:
    """``partner`` posts, coach replies, partner answers, coach closes with a pitch and link."""
    return [
        post(f"{n}r", partner, n * 100, "my garden today"),
        post(f"{n}a", "coach", n * 100 + 1, "lovely, how long?", reply_to_post_id=f"{n}r"),
        post(f"{n}b", partner, n * 100 + 2, "three years", reply_to_post_id=f"{n}a"),
        post(
            f"{n}c",
            "coach",
            n * 100 + 3,
            f"my course is 50% off {LINK}",
            reply_to_post_id=f"{n}b",
            urls=[LINK],
        ),
    ]


@pytest.fixture(scope="module")
def coach_features() -> dict[str, dict]:
    posts = [p for n, who in enumerate(["ann", "bob", "cat"]) for p in pitch_thread(n, who)]
    posts.append(post("x", "dan", 400, "hi", reply_to_post_id="0r"))
    store = store_with(posts)
    build_conversations(store, score=False)
    scored(store, {"0c": 0.99, "1c": 0.97, "2c": 0.2, "0b": 0.01, "1b": 0.0, "2b": 0.1, "x": 0.0})
    return {r["account_id"]: r for r in feature_table(store).to_pylist()}


FEATURE_CASES = [
    ("coach", "conversations_joined", 3),
    ("coach", "distinct_partners", 3),
    ("coach", "turns_per_conversation", 13 / 3),
    ("coach", "own_turns_per_conversation", 2.0),
    ("coach", "pitch_ending_share", 2 / 3),
    ("coach", "link_ending_share", 1.0),
    ("coach", "same_link_across_partners", 3),
    ("ann", "distinct_partners", 2),
    ("ann", "own_turns_per_conversation", 2.0),
    ("ann", "pitch_ending_share", 0.0),
    ("dan", "conversations_joined", 1),
    ("dan", "same_link_across_partners", 0),
]


@pytest.mark.parametrize(("account", "feature", "expected"), FEATURE_CASES)
def test_conversation_features(coach_features, account: str, feature: str, expected) -> None:
    assert coach_features[account][feature] == pytest.approx(expected)


def test_an_account_without_threads_reads_as_none_joined() -> None:
    store = store_with([post("solo", "eve", 0, "just me")])
    row = feature_table(store).to_pylist()[0]
    assert row["conversations_joined"] == 0 and row["distinct_partners"] == 0
    assert row["pitch_ending_share"] is None


def test_last_turns_are_scored_once_by_the_pitch_classifier() -> None:
    posts = [p for n, who in enumerate(["ann", "bob"]) for p in pitch_thread(n, who)]
    posts[-1]["text"] = f"Check out my channel and subscribe! Limited offer, DM me {LINK}"
    store = store_with(posts)
    build_conversations(store)
    scores = dict(store.sql("SELECT post_id, pitch_score FROM post_pitch"))
    assert set(scores) == {"0b", "0c", "1b", "1c"}  # last turns only
    assert scores["1c"] > 0.5 > scores["0b"]
    build_conversations(store)
    assert store.count("post_pitch") == 4


def test_evidence_lists_the_conversations_closed_with_a_pitch() -> None:
    posts = [p for n, who in enumerate(["ann", "bob"]) for p in pitch_thread(n, who)]
    store = store_with(posts)
    build_conversations(store, score=False)
    scored(store, {"0c": 0.9, "1c": 0.3})
    store.con.register(
        "_evidence_accounts", pa.table({"platform": ["bluesky"], "account_id": ["coach"]})
    )
    [row] = pitch_conversation_posts(store)[("bluesky", "coach")]
    assert row["conversation_id"] == "0r" and row["post_id"] == "0c"
    assert row["urls"] == [LINK] and row["replied_to"] == "ann" and row["pitch_score"] == 0.9
