"""TwiBot-20 files and TwiBot-22 folders: accounts, posts, follows and ground-truth labels.

Expected values are computed from the raw fixtures here, with the datasets' own conventions
(TwiBot-20's stringified values, TwiBot-22's ``u``/``t`` id prefixes and edge relations).
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest_support import DATA, by_field, ids, pairs, read_all
from tigerblood.ingest.research.twibot import TwiBotAdapter

T20 = DATA / "twibot" / "twibot20"
T22 = DATA / "twibot" / "twibot22"


def test_when_twibot20_is_read_then_counts_match_the_raw_users() -> None:
    users = json.loads((T20 / "train.json").read_text())
    out = read_all(TwiBotAdapter(), T20 / "train.json")
    assert ids(out["accounts"], "account_id") == {u["ID"] for u in users}
    expected_posts = {f"{u['ID']}:{i}" for u in users for i in range(len(u["tweet"] or []))}
    assert ids(out["posts"], "post_id") == expected_posts and len(out["posts"]) == len(
        expected_posts
    )
    expected_follows = set()
    for u in users:
        neighbor = u["neighbor"] or {"following": [], "follower": []}
        expected_follows |= {(u["ID"], f) for f in neighbor["following"]}
        expected_follows |= {(f, u["ID"]) for f in neighbor["follower"]}
    assert pairs(out["follows"]) == expected_follows
    labels = {
        row["account_id"]: (row["label"], row["kind"], row["source"]) for row in out["labels"]
    }
    assert labels == {
        u["ID"]: (int(u["label"]), "bot" if u["label"] == "1" else "human", "twibot-20")
        for u in users
    }
    assert "quarantine" not in out


def test_when_twibot20_values_carry_a_trailing_space_then_they_are_read_exactly() -> None:
    users = json.loads((T20 / "train.json").read_text())
    shaq = next(
        a
        for a in read_all(TwiBotAdapter(), T20 / "train.json")["accounts"]
        if a["handle"] == "SHAQ"
    )
    profile = users[0]["profile"]
    assert profile["followers_count"] == "15349596 " and shaq["followers_count"] == 15349596
    assert shaq["bio"] == profile["description"][:-1]
    assert shaq["verified"] is True and shaq["has_avatar"] is True
    assert shaq["created_at"].isoformat() == "2008-11-18T10:27:25+00:00"
    assert shaq["profile_urls"] == ["http://www.SHAQ.com"]  # from the Python-literal entities
    bot = read_all(TwiBotAdapter(), T20 / "train.json")["accounts"][1]
    assert bot["has_avatar"] is False and bot["likes_count"] == 0


def test_when_twibot20_posts_have_only_text_then_everything_else_stays_null() -> None:
    post = read_all(TwiBotAdapter(), T20 / "train.json")["posts"][0]
    assert post["post_id"] == "17461978:0" and post["text"].startswith("RT @Lakers")
    unknown = (
        "created_at",
        "reply_to_post_id",
        "repost_of_post_id",
        "urls",
        "mentions",
        "hashtags",
    )
    assert all(post[column] is None for column in unknown)


def test_when_a_twibot20_file_is_the_unlabelled_support_set_then_no_labels() -> None:
    out = read_all(TwiBotAdapter(), T20 / "support.json")
    assert "labels" not in out and len(out["accounts"]) == 1


def test_when_twibot22_is_read_then_users_tweets_labels_and_edges_match() -> None:
    users = json.loads((T22 / "user.json").read_text())
    tweets = [t for p in sorted(T22.glob("tweet_*.json")) for t in json.loads(p.read_text())]
    with (T22 / "label.csv").open() as handle:
        labels = {row["id"]: row["label"] for row in csv.DictReader(handle)}
    with (T22 / "edge.csv").open() as handle:
        edges = list(csv.DictReader(handle))
    out = read_all(TwiBotAdapter(), T22)
    assert ids(out["accounts"], "account_id") == {u["id"] for u in users}
    assert ids(out["posts"], "post_id") == {t["id"] for t in tweets}
    assert {p["account_id"] for p in out["posts"]} == {f"u{t['author_id']}" for t in tweets}
    assert {r["account_id"]: r["kind"] for r in out["labels"]} == labels
    follows = {(e["source_id"], e["target_id"]) for e in edges if e["relation"] == "following"}
    follows |= {(e["target_id"], e["source_id"]) for e in edges if e["relation"] == "followers"}
    assert pairs(out["follows"]) == follows
    reply = next(p for p in out["posts"] if p["reply_to_post_id"])
    assert (
        reply["reply_to_post_id"] == "t1480000000000000001"
        and reply["root_post_id"] == "t1480000000000000001"
    )
    assert reply["reply_to_account_id"] == "u1217628182611927040"
    assert reply["mentions"] == ["u1217628182611927040"] and reply["hashtags"] == ["theory"]
    default = next(a for a in out["accounts"] if a["handle"] == "mo39826506")
    assert default["has_avatar"] is False
    assert "quarantine" not in out


def test_when_twibot20_records_are_bad_then_each_is_quarantined_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    users = json.loads((T20 / "train.json").read_text())
    users[1]["profile"]["followers_count"] = "abc "
    users[1]["profile"]["entities"] = "__import__('os').system('true') "
    users[2]["label"] = "2"
    huge = {"ID": "5", "profile": {"description": "x" * (10 * 2**20)}}
    body = json.dumps([users[0], users[1], {"profile": {}}, huge, users[2], 7])
    path = tmp_path / "train.json"
    path.write_text(body[:-1] + ', {"ID": "9", "tweet": ["cut')
    out = read_all(TwiBotAdapter(), path)
    fields = by_field(out["quarantine"])
    assert "'abc'" in fields["followers_count"][0]["error"]
    assert fields["profile.entities"][0]["error"] == "not a Python literal"
    assert fields["label"][0]["location"] == f"{path}:1#4"
    assert fields["ID"][0]["location"] == f"{path}:1#2"
    assert any("limit" in r["error"] for r in fields["record"])
    assert any("end of file" in r["error"] for r in fields["record"])
    assert ids(out["accounts"], "account_id") == {"17461978", "1180000000000000001", "901000000"}
    assert {r["account_id"] for r in out["labels"]} == {"17461978", "1180000000000000001"}


def test_when_twibot22_files_have_bad_rows_then_they_are_quarantined(tmp_path: Path) -> None:
    folder = tmp_path / "t22"
    folder.mkdir()
    for path in T22.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    with (folder / "edge.csv").open("a") as handle:
        handle.write("u1,followers\nu1,teleports,u2\n,following,u3\nu4,following,u5,extra\n")
    with (folder / "label.csv").open("a") as handle:
        handle.write("u9,robot\n")
    (folder / "tweet_2.json").write_text('[{"id": "t77", "text": "no author"}, {"id": "t78", "au')
    out = read_all(TwiBotAdapter(), folder)
    where = {(r["location"], r["field"]) for r in out["quarantine"]}
    base = 1 + len((T22 / "edge.csv").read_text().splitlines())
    assert {(f"edge.csv:{base}", "record"), (f"edge.csv:{base + 1}", "relation")} <= where
    assert {(f"edge.csv:{base + 2}", "relation"), (f"edge.csv:{base + 3}", "record")} <= where
    assert ("label.csv:5", "label") in where
    assert ("tweet_2.json:1#0", "author_id") in where
    assert any(loc.startswith("tweet_2.json") and f == "record" for loc, f in where)
    assert len(out["labels"]) == 3 and len(out["posts"]) == 2


@pytest.mark.parametrize("path", [T20 / "train.json", T20 / "support.json", T22])
def test_every_twibot_fixture_is_recognised(path: Path) -> None:
    assert TwiBotAdapter().sniff(path)


_ID = st.integers(min_value=1, max_value=2**63 - 1).map(str)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.tuples(_ID, st.lists(st.text(max_size=60), max_size=4), st.sampled_from(["0", "1"])),
        min_size=1,
        max_size=6,
        unique_by=lambda item: item[0],
    )
)
def test_generated_twibot20_users_round_trip_ids_text_and_labels(users: list) -> None:
    records = [
        {
            "ID": uid,
            "profile": {"id_str": f"{uid} ", "screen_name": f"u{uid} "},
            "tweet": tweets,
            "neighbor": None,
            "domain": [],
            "label": label,
        }
        for uid, tweets, label in users
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.json"
        path.write_text(json.dumps(records))
        out = read_all(TwiBotAdapter(), path)
    assert {p["post_id"]: p["text"] for p in out["posts"]} == {
        f"{uid}:{i}": text for uid, tweets, _ in users for i, text in enumerate(tweets)
    }
    assert {r["account_id"]: r["label"] for r in out["labels"]} == {
        u: int(lab) for u, _, lab in users
    }


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400), st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_out_of_read(data: bytes, edges: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.json"
        path.write_bytes(b'[{"ID": ' + data)
        read_all(TwiBotAdapter(), path)
        (Path(folder) / "user.json").write_bytes(data)
        (Path(folder) / "label.csv").write_bytes(b"id,label\n" + edges)
        (Path(folder) / "edge.csv").write_bytes(b"source_id,relation,target_id\n" + edges)
        read_all(TwiBotAdapter(), Path(folder))
