"""Bluesky adapters: Jetstream captures and saved AppView responses.

Expected counts are recomputed here from the raw fixture JSON with a deliberately naive reading of
the lexicons, never copied from the adapter's output, so a mapping bug cannot agree with itself.
"""

from __future__ import annotations

import doctest
import gzip
import io
import json
import random
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tigerblood.ingest.bluesky import columns as bluesky_columns
from tigerblood.ingest.bluesky import files as bluesky_files
from tigerblood.ingest.bluesky import jetstream as bluesky_jetstream
from tigerblood.ingest.bluesky import records as bluesky_records
from tigerblood.ingest.bluesky.appview import AppViewAdapter
from tigerblood.ingest.bluesky.appview import _Read as AppViewRead
from tigerblood.ingest.bluesky.columns import Times, to_micros
from tigerblood.ingest.bluesky.files import line_batches
from tigerblood.ingest.bluesky.jetstream import UNKNOWN_UNFOLLOW, JetstreamAdapter

DATA = Path(__file__).parent / "data" / "bluesky"
JETSTREAM = DATA / "jetstream.jsonl"
POST, REPOST, LIKE, FOLLOW, PROFILE = (
    "app.bsky.feed.post",
    "app.bsky.feed.repost",
    "app.bsky.feed.like",
    "app.bsky.graph.follow",
    "app.bsky.actor.profile",
)


def read_all(adapter, path: Path) -> dict[str, pa.Table]:
    tables: dict[str, list[pa.Table]] = {}
    for batch in adapter.read(path):
        tables.setdefault(batch.table, []).append(batch.data)
    return {name: pa.concat_tables(parts) for name, parts in tables.items()}


def rows(tables: dict[str, pa.Table], name: str) -> list[dict]:
    return tables[name].to_pylist() if name in tables else []


# ---------------------------------------------------------------- an independent reading


def raw_events(path: Path) -> list[tuple[int, dict | None]]:
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            events.append((number, json.loads(line)))
        except json.JSONDecodeError:
            events.append((number, None))
    return events


def post_links(record: dict) -> set[str]:
    links = {
        feature["uri"]
        for facet in record.get("facets", [])
        for feature in facet["features"]
        if feature["$type"].endswith("#link")
    }
    embed = record.get("embed") or {}
    for part in (embed, embed.get("media") or {}):
        if part.get("$type") == "app.bsky.embed.external":
            links.add(part["external"]["uri"])
    return links


def naive_like(did: str, record: dict) -> tuple | None:
    """A like as (liker, post, post author), or None when it names no record."""
    subject = record.get("subject")
    uri = subject.get("uri") if isinstance(subject, dict) else None
    if not isinstance(uri, str) or not uri.startswith("at://") or any(c.isspace() for c in uri):
        return None
    parts = uri[len("at://") :].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return (did, uri, parts[0] if parts[0].startswith("did:") else None)


def expected_jetstream(path: Path) -> dict:
    """What the fixture holds, by a plain reading of the lexicons."""
    posts, follows, replies, links, accounts, bad_lines = 0, 0, 0, 0, set(), set()
    likes: list[tuple] = []
    follow_index: dict[tuple[str, str], str] = {}
    for number, event in raw_events(path):
        if event is None:
            bad_lines.add(number)
            continue
        if event["kind"] == "identity":
            accounts.add(event["did"])
        if event["kind"] != "commit":
            continue
        commit, did = event["commit"], event["did"]
        where = (commit["collection"], commit["operation"])
        record = commit.get("record") or {}
        if where in ((POST, "create"), (POST, "update")):
            if not isinstance(record.get("text"), str):
                bad_lines.add(number)
                continue
            posts += 1
            replies += "reply" in record
            links += len(post_links(record))
            accounts.add(did)
        elif where == (REPOST, "create"):
            posts += 1
            accounts.add(did)
        elif where == (LIKE, "create"):
            like = naive_like(did, record)
            if like is None:
                bad_lines.add(number)
                continue
            likes.append((*like, datetime.fromisoformat(record["createdAt"]).astimezone(UTC)))
            accounts.add(did)
        elif commit["collection"] == FOLLOW and commit["operation"] != "delete":
            if not isinstance(record.get("subject"), str):
                bad_lines.add(number)
                continue
            follow_index[(did, commit["rkey"])] = record["subject"]
            follows += 1
            accounts.add(did)
        elif where == (FOLLOW, "delete"):
            if follow_index.pop((did, commit["rkey"]), None) is None:
                bad_lines.add(number)
                continue
            follows += 1
            accounts.add(did)
        elif commit["collection"] == PROFILE and commit["operation"] != "delete":
            accounts.add(did)
    return {
        "posts": posts,
        "likes": likes,
        "follows": follows,
        "replies": replies,
        "links": links,
        "accounts": len(accounts),
        "bad_lines": bad_lines,
    }


# ---------------------------------------------------------------- Jetstream


@pytest.fixture(scope="module")
def jetstream() -> dict[str, pa.Table]:
    return read_all(JetstreamAdapter(), JETSTREAM)


def test_jetstream_round_trip_counts_match_the_raw_fixture(jetstream):
    expected = expected_jetstream(JETSTREAM)
    posts = rows(jetstream, "posts")
    assert len(posts) == expected["posts"]
    assert len(rows(jetstream, "follows")) == expected["follows"]
    assert len(rows(jetstream, "accounts")) == expected["accounts"]
    likes = rows(jetstream, "likes")
    assert len(likes) == len(expected["likes"]) > 0
    assert [
        (like["account_id"], like["post_id"], like["post_account_id"], like["created_at"])
        for like in likes
    ] == expected["likes"]
    assert sum(p["reply_to_post_id"] is not None for p in posts) == expected["replies"]
    assert sum(len(p["urls"]) for p in posts) == expected["links"]


def test_when_lines_are_bad_then_each_is_quarantined_with_its_line_and_the_run_continues(
    jetstream,
):
    expected = expected_jetstream(JETSTREAM)
    quarantined = rows(jetstream, "quarantine")
    lines = {int(q["location"].rsplit(":", 1)[1]) for q in quarantined}
    assert lines == expected["bad_lines"]
    assert all(q["source"] == str(JETSTREAM) for q in quarantined)
    by_field = {q["field"]: q for q in quarantined}
    assert "commit.record.text" in by_field  # the wrong-type record
    assert "json" in by_field  # the truncated line
    assert "commit.record.subject" in by_field  # a like without a strongRef subject
    assert "commit.record.subject.uri" in by_field  # a like of a web URL
    last_post = rows(jetstream, "posts")[-1]
    assert last_post["text"] == "still here"  # written after every bad line


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("reply_to_account_id", "did:plc:lygj7oap27dsphdjgxdi3pmp"),
        ("mentions", ["did:plc:lygj7oap27dsphdjgxdi3pmp"]),
        ("urls", ["https://cheap-deals.example.net/?ref=bob"]),
        ("lang", "en"),
    ],
)
def test_a_reply_carries_its_target_mentions_and_links(jetstream, field, expected):
    reply = next(p for p in rows(jetstream, "posts") if "cheap-deals" in p["text"])
    assert reply[field] == expected
    assert reply["root_post_id"] == reply["reply_to_post_id"]


def test_quotes_point_at_posts_only_and_link_cards_are_not_counted_twice(jetstream):
    posts = {p["text"]: p for p in rows(jetstream, "posts")}
    assert posts["This is the method I mentioned 👇"]["quote_of_post_id"].startswith("at://")
    assert posts["Photo from the walk, and Alice's notes"]["quote_of_post_id"] is not None
    assert posts["My favourite feed"]["quote_of_post_id"] is None  # a feed generator
    birds = next(p for t, p in posts.items() if t.startswith("Wrote up"))
    assert birds["urls"] == ["https://example.org/birds"]  # facet and card name one link
    assert birds["hashtags"] == ["birding"]


def test_reposts_become_posts_that_point_at_what_they_boost(jetstream):
    reposts = [p for p in rows(jetstream, "posts") if p["repost_of_post_id"]]
    assert reposts and all("/app.bsky.feed.repost/" in p["post_id"] for p in reposts)
    assert all(p["text"] is None for p in reposts)


def test_when_created_at_is_unusable_then_jetstream_time_stands_in(jetstream):
    skewed = next(p for p in rows(jetstream, "posts") if p["text"] == "clock skew test")
    event = next(e for _, e in raw_events(JETSTREAM) if e and "clock skew test" in str(e))
    assert skewed["created_at"] == datetime.fromtimestamp(event["time_us"] / 1e6, UTC).replace(
        microsecond=event["time_us"] % 1_000_000
    )


def test_a_follow_delete_resolves_into_an_unfollow_of_the_right_account(jetstream):
    follows = rows(jetstream, "follows")
    unfollows = [f for f in follows if f["action"] == "unfollow"]
    events = [e for _, e in raw_events(JETSTREAM) if e and e["kind"] == "commit"]
    created = {
        (e["did"], e["commit"]["rkey"]): e["commit"]["record"]["subject"]
        for e in events
        if e["commit"]["collection"] == FOLLOW and e["commit"]["operation"] == "create"
    }
    deleted = [
        (e["did"], created[(e["did"], e["commit"]["rkey"])])
        for e in events
        if e["commit"]["collection"] == FOLLOW
        and e["commit"]["operation"] == "delete"
        and (e["did"], e["commit"]["rkey"]) in created
    ]
    assert [(f["follower_id"], f["followee_id"]) for f in unfollows] == deleted
    assert all(f["created_at"] == f["observed_at"] for f in unfollows)


def test_an_unfollow_whose_follow_predates_the_capture_is_quarantined(jetstream):
    errors = [q for q in rows(jetstream, "quarantine") if UNKNOWN_UNFOLLOW in q["error"]]
    assert len(errors) == 1
    assert errors[0]["field"] == "commit.rkey"


def test_profiles_and_identity_events_merge_into_one_account_row(jetstream):
    accounts = {a["account_id"]: a for a in rows(jetstream, "accounts")}
    alice = accounts["did:plc:lygj7oap27dsphdjgxdi3pmp"]
    assert alice["handle"] == "alice.example.com"
    assert alice["display_name"] == "Alice Example"
    assert alice["has_avatar"] is True
    bob = accounts["did:plc:bwxy4sg2dzgwrtbxnhvexfyn"]
    assert (bob["handle"], bob["has_avatar"]) == ("bob.example.com", False)


def test_what_the_model_cannot_hold_is_counted_not_dropped():
    adapter = JetstreamAdapter()
    read_all(adapter, JETSTREAM)
    raw = Counter(
        f"{e['commit']['collection']}/{e['commit']['operation']}"
        for _, e in raw_events(JETSTREAM)
        if e and e["kind"] == "commit"
    )
    lost = adapter.unmapped()
    assert "app.bsky.feed.like/create" not in lost  # likes are rows now
    for key in (
        "app.bsky.feed.like/delete",
        "app.bsky.feed.post/delete",
        "app.bsky.feed.repost/delete",
        "app.bsky.graph.block/create",
        "com.example.fitness.run/create",
    ):
        assert lost[key] == raw[key]
    accounts = [e for _, e in raw_events(JETSTREAM) if e and e["kind"] == "account"]
    assert sum(v for k, v in lost.items() if k.startswith("account/")) == len(accounts)


@pytest.mark.parametrize("name", ["capture.jsonl.zst", "capture-without-suffix"])
def test_a_zstd_capture_reads_the_same_as_the_plain_one(tmp_path, jetstream, name):
    packed = tmp_path / name
    # Two frames, as when a capture is appended to: both must be read.
    data = JETSTREAM.read_bytes()
    half = data.index(b"\n", len(data) // 2) + 1
    compressor = zstandard.ZstdCompressor()
    packed.write_bytes(compressor.compress(data[:half]) + compressor.compress(data[half:]))
    adapter = JetstreamAdapter()
    assert adapter.sniff(packed)
    tables = read_all(adapter, packed)
    for table in ("posts", "follows", "accounts"):
        assert tables[table].equals(jetstream[table])
    assert len(rows(tables, "quarantine")) == len(rows(jetstream, "quarantine"))


def test_a_gzip_capture_reads_too(tmp_path, jetstream):
    packed = tmp_path / "capture.jsonl.gz"
    packed.write_bytes(gzip.compress(JETSTREAM.read_bytes()))
    assert read_all(JetstreamAdapter(), packed)["posts"].equals(jetstream["posts"])


def post_event(number: int, text: str) -> dict:
    return {
        "did": "did:plc:lygj7oap27dsphdjgxdi3pmp",
        "time_us": 1_741_100_400_000_000 + number,
        "kind": "commit",
        "commit": {
            "rev": "3ljkq5krtc523",
            "operation": "create",
            "collection": POST,
            "rkey": f"3ljkq5krt{number:04d}",
            "record": {"$type": POST, "text": text, "createdAt": "2025-03-04T15:00:00Z"},
        },
    }


def test_a_capture_cut_off_mid_frame_keeps_what_came_before_and_says_so(tmp_path):
    rng = random.Random(5)  # incompressible texts, so the cut lands after whole blocks
    events = [post_event(i, rng.randbytes(200).hex()) for i in range(3000)]
    whole = zstandard.ZstdCompressor().compress(b"".join(orjson.dumps(e) + b"\n" for e in events))
    packed = tmp_path / "cut.zst"
    packed.write_bytes(whole[: len(whole) * 2 // 3])
    tables = read_all(JetstreamAdapter(), packed)
    assert 0 < tables["posts"].num_rows < len(events)
    (cut,) = [q for q in rows(tables, "quarantine") if q["field"] == "file"]
    assert "cut off" in cut["error"]


def test_a_10_mb_record_is_quarantined_and_the_next_line_still_read(tmp_path):
    big = {
        "did": "did:plc:lygj7oap27dsphdjgxdi3pmp",
        "time_us": 1_741_100_400_000_000,
        "kind": "commit",
        "commit": {
            "rev": "3ljkq5krtc523",
            "operation": "create",
            "collection": POST,
            "rkey": "3ljkq5krtc522",
            "record": {
                "$type": POST,
                "text": "x" * 10_000_000,
                "createdAt": "2025-03-04T15:00:00Z",
            },
        },
    }
    path = tmp_path / "big.jsonl"
    path.write_bytes(orjson.dumps(big) + b"\n" + JETSTREAM.read_bytes().splitlines()[3] + b"\n")
    tables = read_all(JetstreamAdapter(), path)
    (problem,) = rows(tables, "quarantine")
    assert problem["location"] == f"{path}:1"
    assert problem["field"] == "line"
    assert len(problem["raw"]) < 3_000
    assert tables["posts"].num_rows == 1


def test_sniffing_tells_the_two_bluesky_formats_apart():
    jetstream, appview = JetstreamAdapter(), AppViewAdapter()
    assert jetstream.sniff(JETSTREAM) and not appview.sniff(JETSTREAM)
    for path in DATA.glob("app*"):
        assert appview.sniff(path) and not jetstream.sniff(path), path.name
    assert not jetstream.sniff(DATA) and not appview.sniff(DATA)


# ---------------------------------------------------------------- property tests


@settings(max_examples=300, deadline=None)
@given(
    content=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30).map(
        b"\n".join
    )
    | st.binary(max_size=400),
    trailing_newline=st.booleans(),
    limit=st.integers(1, 30),
    chunk_size=st.integers(1, 64),
)
def test_chunked_line_splitting_matches_a_plain_split(content, trailing_newline, limit, chunk_size):
    data = content + (b"\n" if trailing_newline else b"")
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    expected_long = [(i, line[: limit + 1]) for i, line in enumerate(expected) if len(line) > limit]
    expected = [b"" if len(line) > limit else line for line in expected]
    got, got_long = [], []
    for lines, overlong in line_batches(io.BytesIO(data), limit, chunk_size):
        got_long += [(len(got) + i, head) for i, head in overlong]
        got += lines
    assert got == expected
    assert got_long == expected_long


B32 = "abcdefghijklmnopqrstuvwxyz234567"
TID = "234567abcdefghijklmnopqrstuvwxyz"
dids = st.text(B32, min_size=24, max_size=24).map(lambda s: f"did:plc:{s}")
post_events = st.builds(
    lambda did, rkey, text, when, micros: {
        "did": did,
        "time_us": micros,
        "kind": "commit",
        "commit": {
            "rev": rkey,
            "operation": "create",
            "collection": POST,
            "rkey": rkey,
            "record": {
                "$type": POST,
                "text": text,
                "createdAt": when.isoformat().replace("+00:00", "Z"),
            },
            "cid": "bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5wd3ptdtbdcqkd4",
        },
    },
    dids,
    st.text(TID, min_size=13, max_size=13),
    st.text(max_size=300),
    st.datetimes(
        min_value=datetime(2022, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(1_640_000_000_000_000, 1_900_000_000_000_000),
)


def write_events(path: Path, events: list[dict]) -> Path:
    """Events as a Jetstream capture: one JSON object a line."""
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(post_events, max_size=20))
def test_every_valid_post_event_becomes_exactly_one_matching_post(tmp_path_factory, events):
    path = write_events(tmp_path_factory.mktemp("prop") / "posts.jsonl", events)
    posts = rows(read_all(JetstreamAdapter(), path), "posts")
    assert [(p["post_id"], p["account_id"], p["text"]) for p in posts] == [
        (f"at://{e['did']}/{POST}/{e['commit']['rkey']}", e["did"], e["commit"]["record"]["text"])
        for e in events
    ]


prefixes = st.sampled_from(
    [b"", b"\x28\xb5\x2f\xfd", b"\x1f\x8b", b'{"did":"did:plc:x","time_us":1']
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=prefixes, body=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_out_of_either_adapter(tmp_path_factory, prefix, body):
    path = tmp_path_factory.mktemp("fuzz") / "input"
    path.write_bytes(prefix + body)
    for adapter in (JetstreamAdapter(), AppViewAdapter()):
        adapter.sniff(path)
        for batch in adapter.read(path):
            assert batch.data.num_rows >= 0


SHAPE_KEYS = [
    *["did", "time_us", "kind", "commit", "record", "text", "collection", "operation"],
    *["rkey", "facets", "features", "embed", "reply", "subject", "feed", "post", "thread"],
    *["followers", "profiles", "handle", "uri", "author", "$type", "followersCount"],
    *["createdAt", "response", "collected_at", "identity", "account", "likes", "actor"],
]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=20)
        | st.sampled_from(["did:plc:x", "at://did:plc:x/app.bsky.feed.post/3k", "commit"]),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(SHAPE_KEYS),
                inner,
                max_size=6,
            )
        ),
        max_leaves=25,
    )
)
def test_well_formed_json_of_the_wrong_shape_is_quarantined_not_raised(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("shape") / "input.jsonl"
    path.write_text(json.dumps(value) + "\n", encoding="utf-8")
    for adapter in (JetstreamAdapter(), AppViewAdapter()):
        list(adapter.read(path))


@pytest.mark.parametrize("depth", [200, 300, 1000, 5000])
def test_deeply_nested_json_is_quarantined_not_raised(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth + "\n", encoding="utf-8")
    for adapter in (JetstreamAdapter(), AppViewAdapter()):
        tables = read_all(adapter, path)
        assert len(rows(tables, "quarantine")) == 1


# ---------------------------------------------------------------- AppView


def appview(name: str) -> tuple[dict, dict[str, pa.Table]]:
    path = DATA / name
    return json.loads(path.read_text(encoding="utf-8")), read_all(AppViewAdapter(), path)


def test_get_profile_gives_counts_without_inventing_when_they_were_read():
    raw, tables = appview("app.bsky.actor.getProfile.json")
    (account,) = rows(tables, "accounts")
    assert account["account_id"] == raw["did"]
    assert account["followers_count"] == raw["followersCount"]
    assert account["following_count"] == raw["followsCount"]
    assert account["posts_count"] == raw["postsCount"]
    assert account["observed_at"] is None
    assert account["verified"] is True


@pytest.mark.parametrize("count", [-1, 1 << 63, 18446744073709551615, "12", 1.5])
def test_a_count_that_int64_cannot_hold_is_quarantined(tmp_path, count):
    raw = json.loads((DATA / "app.bsky.actor.getProfile.json").read_text(encoding="utf-8"))
    raw["followersCount"] = count
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    tables = read_all(AppViewAdapter(), path)
    (problem,) = rows(tables, "quarantine")
    assert problem["field"] == "followersCount"


def test_a_collected_at_envelope_dates_the_counts():
    raw, tables = appview("app.bsky.actor.getProfiles.json")
    accounts = rows(tables, "accounts")
    assert len(accounts) == len(raw["response"]["profiles"])
    when = datetime.fromisoformat(raw["collected_at"])
    assert {a["observed_at"] for a in accounts} == {when}
    by_id = {a["account_id"]: a for a in accounts}
    invalid = [p["did"] for p in raw["response"]["profiles"] if p["handle"] == "handle.invalid"]
    assert invalid and all(by_id[did]["handle"] is None for did in invalid)


@pytest.mark.parametrize(
    ("name", "key", "inbound"),
    [
        ("app.bsky.graph.getFollowers.json", "followers", True),
        ("app.bsky.graph.getFollows.json", "follows", False),
    ],
)
def test_follower_and_follows_lists_become_follow_edges_of_the_subject(name, key, inbound):
    raw, tables = appview(name)
    response = raw.get("response", raw)
    subject = response["subject"]["did"]
    others = [p["did"] for p in response[key]]
    edges = {(f["follower_id"], f["followee_id"]) for f in rows(tables, "follows")}
    assert edges == {(o, subject) if inbound else (subject, o) for o in others}
    assert {a["account_id"] for a in rows(tables, "accounts")} == {subject, *others}
    assert all(f["action"] == "follow" for f in rows(tables, "follows"))


def test_an_author_feed_yields_its_posts_reply_context_and_named_reposts():
    raw, tables = appview("app.bsky.feed.getAuthorFeed.json")
    views = [item["post"] for item in raw["feed"]]
    views += [
        item["reply"][part]
        for item in raw["feed"]
        if "reply" in item
        for part in ("root", "parent")
    ]
    reposts = [i["reason"] for i in raw["feed"] if "uri" in i.get("reason", {})]
    posts = rows(tables, "posts")
    assert len(posts) == len({v["uri"] for v in views}) + len(reposts)
    replies = {v["uri"] for v in views if "reply" in v["record"]}
    assert {p["post_id"] for p in posts if p["reply_to_post_id"]} == replies
    reposters = {item["reason"]["by"]["did"] for item in raw["feed"] if "reason" in item}
    authors = {v["author"]["did"] for v in views} | reposters
    assert {a["account_id"] for a in rows(tables, "accounts")} == authors


def test_a_thread_is_walked_up_and_down_and_missing_posts_are_skipped():
    raw, tables = appview("app.bsky.feed.getPostThread.json")
    found, stack = set(), [raw["thread"]]
    while stack:
        node = stack.pop()
        if "post" in node:
            found.add(node["post"]["uri"])
            stack += [node["parent"]] if "parent" in node else []
            stack += node.get("replies", [])
    assert {p["post_id"] for p in rows(tables, "posts")} == found
    assert "quarantine" not in tables


def test_json_lines_of_responses_quarantine_bad_lines_by_number():
    path = DATA / "appview-responses.jsonl"
    tables = read_all(AppViewAdapter(), path)
    problems = {q["location"].rsplit(":", 1)[1]: q for q in rows(tables, "quarantine")}
    assert set(problems) == {"2", "3", "4"}
    assert problems["2"]["error"].startswith("XRPC error response: InvalidRequest")
    assert problems["3"]["field"] == "followers[1].did"
    assert problems["4"]["field"] == "json"
    assert len(rows(tables, "posts")) == 1  # the line after the truncated one


def test_a_pretty_printed_document_too_large_to_parse_whole_is_refused_once(tmp_path):
    path = tmp_path / "big.json"
    shutil.copy(DATA / "app.bsky.feed.getAuthorFeed.json", path)
    adapter = AppViewAdapter()
    adapter.max_document_bytes = 1_000
    tables = read_all(adapter, path)
    (problem,) = rows(tables, "quarantine")
    assert "JSON Lines" in problem["error"]


def test_a_10_mb_appview_line_is_handled(tmp_path):
    raw = json.loads((DATA / "app.bsky.feed.getAuthorFeed.json").read_text(encoding="utf-8"))
    raw["feed"][0]["post"]["record"]["text"] = "y" * 10_000_000
    path = tmp_path / "feed.jsonl"
    path.write_bytes(orjson.dumps(raw) + b"\n" + orjson.dumps(raw) + b"\n")
    tables = read_all(AppViewAdapter(), path)
    assert max(len(p["text"] or "") for p in rows(tables, "posts")) == 10_000_000


@pytest.mark.parametrize("module", [bluesky_records, bluesky_files, bluesky_columns])
def test_the_documented_examples_run(module):
    assert doctest.testmod(module).failed == 0


# ---------------------------------------------------------------- likes and the fast path

times = st.datetimes(
    min_value=datetime(2022, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
created_at = st.one_of(
    times.map(lambda when: when.isoformat(timespec="milliseconds").replace("+00:00", "Z")),
    times.map(lambda when: when.isoformat()),
    st.sampled_from(["2025-02-30T10:00:00.000Z", "2025-03-04T15:00:00.000", "", "0000"]),
    st.text(max_size=30),
)
uris = st.one_of(
    st.builds(lambda did, rkey: f"at://{did}/{POST}/{rkey}", dids, st.text(TID, min_size=1)),
    st.sampled_from(
        [
            "at://alice.example.com/app.bsky.feed.post/3k",
            "at://did:plc:x/app.bsky.feed.generator/art",
            "at://did:plc:x",
            "https://bsky.app/profile/x/post/3k",
            "at://did:plc:x/app.bsky.feed.post/3k ",
        ]
    ),
)


def create_event(did: str, micros: int, collection: str, rkey: str, record: dict) -> dict:
    return {
        "did": did,
        "time_us": micros,
        "kind": "commit",
        "commit": {
            "rev": rkey,
            "operation": "create",
            "collection": collection,
            "rkey": rkey,
            "record": {"$type": collection, **record},
            "cid": "bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5wd3ptdtbdcqkd4",
        },
    }


micros = st.integers(1_640_000_000_000_000, 1_900_000_000_000_000)
rkeys = st.text(TID, min_size=13, max_size=13)
like_events = st.builds(
    lambda did, at, uri, when, rkey: create_event(
        did, when, LIKE, rkey, {"createdAt": at, "subject": {"uri": uri, "cid": "bafyrei"}}
    ),
    dids,
    created_at,
    uris,
    micros,
    rkeys,
)
follow_events = st.builds(
    lambda did, at, subject, when, rkey: create_event(
        did, when, FOLLOW, rkey, {"createdAt": at, "subject": subject}
    ),
    dids,
    created_at,
    dids,
    micros,
    rkeys,
)
PATHS = [
    ("did",),
    ("time_us",),
    ("kind",),
    ("commit",),
    ("commit", "operation"),
    ("commit", "collection"),
    ("commit", "rkey"),
    ("commit", "record"),
    ("commit", "record", "subject"),
    ("commit", "record", "subject", "uri"),
    ("commit", "record", "createdAt"),
]
json_values = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.text(max_size=10)
    | st.just([])
    | st.just({"uri": "at://did:plc:x/app.bsky.feed.post/3k"})
)


@st.composite
def perturbed(draw: st.DrawFn) -> dict:
    """A like or follow create, maybe with one field removed or given another JSON value."""
    event = draw(like_events | follow_events)
    if draw(st.booleans()):
        *parents, last = draw(st.sampled_from(PATHS))
        target = event
        for key in parents:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            if draw(st.booleans()):
                target.pop(last, None)
            else:
                target[last] = draw(json_values)
    return event


def read_with(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    monkeypatch.setattr(bluesky_jetstream._Read, "fast", fast)
    adapter = JetstreamAdapter()
    tables = {name: table.to_pylist() for name, table in read_all(adapter, path).items()}
    return tables, dict(adapter.stats)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(perturbed(), max_size=25))
def test_the_fast_path_gives_exactly_what_the_validated_path_gives(
    tmp_path_factory, monkeypatch, events
):
    path = write_events(tmp_path_factory.mktemp("fast") / "events.jsonl", events)
    with monkeypatch.context() as patch:
        validated = read_with(path, False, patch)
    with monkeypatch.context() as patch:
        fast = read_with(path, True, patch)
    assert fast == validated


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(like_events, max_size=20))
def test_every_like_event_becomes_one_like_row_or_one_quarantine_row(tmp_path_factory, events):
    path = write_events(tmp_path_factory.mktemp("likes") / "likes.jsonl", events)
    tables = read_all(JetstreamAdapter(), path)
    expected = []
    for event in events:
        like = naive_like(event["did"], event["commit"]["record"])
        if like is not None:
            when = bluesky_records.parse_datetime(event["commit"]["record"]["createdAt"])
            fallback = datetime.fromtimestamp(event["time_us"] // 1_000_000, UTC).replace(
                microsecond=event["time_us"] % 1_000_000
            )
            expected.append((*like, fallback if when is None else when))
    got = [
        (r["account_id"], r["post_id"], r["post_account_id"], r["created_at"])
        for r in rows(tables, "likes")
    ]
    assert got == expected
    assert len(rows(tables, "quarantine")) == len(events) - len(expected)
    assert all(r["observed_at"] is not None for r in rows(tables, "likes"))


@settings(max_examples=300, deadline=None)
@given(value=created_at, also=created_at)
def test_cached_times_agree_with_parse_datetime(value, also):
    cache = Times()
    for text in (value, also, value):  # the second reading of `value` may come from the cache
        parsed = bluesky_records.parse_datetime(text)
        assert cache.micros(text) == (None if parsed is None else to_micros(parsed))


# ---------------------------------------------------------------- AppView getLikes


def test_get_likes_gives_who_liked_the_post_when_and_whose_post_it_is():
    raw, tables = appview("app.bsky.feed.getLikes.json")
    response = raw["response"]
    author = response["uri"].split("/")[2]
    expected = []
    for like in response["likes"]:
        created = datetime.fromisoformat(like["createdAt"])
        if created.tzinfo is None:  # not an atproto datetime: the AppView's own time stands in
            created = datetime.fromisoformat(like["indexedAt"])
        expected.append((like["actor"]["did"], response["uri"], author, created))
    likes = rows(tables, "likes")
    assert [
        (r["account_id"], r["post_id"], r["post_account_id"], r["created_at"]) for r in likes
    ] == expected
    assert {r["observed_at"] for r in likes} == {datetime.fromisoformat(raw["collected_at"])}
    assert {a["account_id"] for a in rows(tables, "accounts")} == {e[0] for e in expected}
    assert "quarantine" not in tables


@pytest.mark.parametrize(
    ("change", "field", "kept"),
    [
        (lambda r: r.update(uri="https://bsky.app/profile/alice/post/3k"), "response.uri", 0),
        (lambda r: r["likes"][1].pop("actor"), "response.likes[1].actor", 2),
        (lambda r: r["likes"][2]["actor"].pop("did"), "response.likes[2].actor.did", 2),
        (lambda r: r["likes"].__setitem__(0, "did:plc:x"), "response.likes[0]", 2),
        (lambda r: r.update(likes={"actor": {}}), "response.likes", 0),
    ],
)
def test_a_malformed_get_likes_is_quarantined_where_it_breaks(tmp_path, change, field, kept):
    raw = json.loads((DATA / "app.bsky.feed.getLikes.json").read_text(encoding="utf-8"))
    change(raw["response"])
    path = tmp_path / "likes.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    tables = read_all(AppViewAdapter(), path)
    assert [q["field"] for q in rows(tables, "quarantine")] == [field]
    assert len(rows(tables, "likes")) == kept


@settings(max_examples=40, deadline=None)
@given(actors=st.lists(dids, max_size=12), uri=uris)
def test_get_likes_gives_one_row_per_distinct_liker_of_a_valid_uri(actors, uri):
    like = {"indexedAt": "2025-03-04T15:01:10.101Z", "createdAt": "2025-03-04T15:01:09.650Z"}
    response = {
        "uri": uri,
        "likes": [{**like, "actor": {"did": did, "handle": "x.example.com"}} for did in actors],
    }
    state = AppViewRead("prop", Counter())
    state.response(response)
    valid = naive_like("did:plc:x", {"subject": {"uri": uri}}) is not None
    expected = list(dict.fromkeys(actors)) if valid else []
    assert [row["account_id"] for row in state.likes] == expected
    assert len(state.quarantine) == (0 if valid else 1)
