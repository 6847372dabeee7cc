"""Mastodon adapter: REST entities, thread contexts, follower lists and streaming events.

Counts are computed here from the raw fixtures, independently of the adapter's code path (regexes
rather than the HTML parser), and must match what the adapter yields.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest_support import DATA, by_field, ids, pairs, read_all
from tigerblood.ingest.mastodon.responses import MastodonAdapter

FIXTURES = DATA / "mastodon"
INSTANCE = "mastodon.social"
_HREF = re.compile(r'<a href="([^"]+)"(?![^>]*class="[^"]*(?:mention|hashtag))[^>]*>')


def q(local_id: str) -> str:
    return f"{local_id}@{INSTANCE}"


def raw_statuses(statuses: list[dict]) -> dict[str, dict]:
    """Every status in the raw data, including boosted and quoted ones, by id."""
    out: dict[str, dict] = {}
    for s in statuses:
        out[s["id"]] = s
        if s.get("reblog"):
            out.update(raw_statuses([s["reblog"]]))
        if (s.get("quote") or {}).get("quoted_status"):
            out.update(raw_statuses([s["quote"]["quoted_status"]]))
    return out


def test_when_a_timeline_is_read_then_counts_match_the_raw_statuses() -> None:
    raw = raw_statuses(json.loads((FIXTURES / "home_timeline.json").read_text()))
    out = read_all(MastodonAdapter(), FIXTURES / "home_timeline.json")
    assert ids(out["posts"], "post_id") == {q(i) for i in raw}
    assert len(out["posts"]) == len(raw)
    assert ids(out["accounts"], "account_id") == {q(s["account"]["id"]) for s in raw.values()}
    replies = {q(i) for i, s in raw.items() if s["in_reply_to_id"]}
    assert {p["post_id"] for p in out["posts"] if p["reply_to_post_id"]} == replies
    for post in out["posts"]:
        status = raw[post["post_id"].split("@")[0]]
        links = list(dict.fromkeys(_HREF.findall(status["content"])))
        if status.get("card") and status["card"]["url"] not in links:
            links.append(status["card"]["url"])
        assert post["urls"] == links
        assert post["mentions"] == [q(m["id"]) for m in status["mentions"]]
        assert post["hashtags"] == [t["name"] for t in status["tags"]]
    assert "quarantine" not in out


def test_when_a_status_boosts_or_quotes_then_the_original_is_linked_and_loaded() -> None:
    posts = {
        p["post_id"]: p
        for p in read_all(MastodonAdapter(), FIXTURES / "home_timeline.json")["posts"]
    }
    boost, quote = posts[q("113400000000000004")], posts[q("113400000000000005")]
    assert boost["repost_of_post_id"] == q("113400000000000001") in posts
    assert quote["quote_of_post_id"] == q("113400000000000002") in posts
    assert quote["client"] == "Ivory for iOS"
    assert posts[q("113400000000000006")]["text"] == "Sortie vélo ce matin & café ☕"
    assert posts[q("113400000000000001")]["text"].startswith("First frost tonight")


def test_when_accounts_are_read_then_profile_fields_map_and_handles_are_full() -> None:
    accounts = {
        a["account_id"]: a
        for a in read_all(MastodonAdapter(), FIXTURES / "followers.json")["accounts"]
    }
    alice = accounts[q("109302436785235000")]
    assert alice["handle"] == "alice@mastodon.social"
    assert alice["bio"] == "Gardener. Writes about #compost. Blog: https://alice.example/blog"
    assert alice["profile_urls"] == ["https://alice.example/blog", "https://shop.alice.example"]
    assert (alice["followers_count"], alice["following_count"], alice["posts_count"]) == (
        412,
        180,
        2210,
    )
    assert alice["has_avatar"] is True and alice["declared_bot"] is False
    assert alice["verified"] is None and alice["likes_count"] is None  # Mastodon has neither
    bot = accounts[q("110500000000000002")]
    assert bot["has_avatar"] is False and bot["declared_bot"] is True
    assert accounts[q("109310000000000001")]["handle"] == "bob@fosstodon.org"


def test_when_the_collected_layout_says_whose_lists_then_follows_point_the_right_way() -> None:
    raw = json.loads((FIXTURES / "followers.json").read_text())
    out = read_all(MastodonAdapter(), FIXTURES / "followers.json")
    owner = q(raw["account"]["id"])
    expected = {(q(f["id"]), owner) for f in raw["followers"]} | {
        (owner, q(f["id"])) for f in raw["following"]
    }
    assert pairs(out["follows"]) == expected
    assert len(out["follows"]) == len(raw["followers"]) + len(raw["following"])
    assert {f["observed_at"].isoformat() for f in out["follows"]} == {"2024-11-03T12:00:00+00:00"}


def test_when_notifications_say_favourite_then_each_becomes_a_like_of_the_users_post() -> None:
    raw = json.loads((FIXTURES / "notifications.json").read_text())
    out = read_all(MastodonAdapter(), FIXTURES / "notifications.json")
    favourites = [n for n in raw if n["type"] == "favourite"]
    expected = {
        (q(n["account"]["id"]), q(n["status"]["id"]), q(n["status"]["account"]["id"]))
        for n in favourites
    }
    got = {(lk["account_id"], lk["post_id"], lk["post_account_id"]) for lk in out["likes"]}
    assert got == expected and len(out["likes"]) == len(favourites)
    assert {lk["created_at"].isoformat()[:19] for lk in out["likes"]} == {
        n["created_at"][:19] for n in favourites
    }
    assert ids(out["accounts"], "account_id") >= {q(n["account"]["id"]) for n in raw}
    assert "quarantine" not in out


def test_when_the_favourited_by_layout_is_read_then_it_says_whose_post_was_liked() -> None:
    raw = json.loads((FIXTURES / "favourited_by.json").read_text())
    out = read_all(MastodonAdapter(), FIXTURES / "favourited_by.json")
    author = q(raw["status"]["account"]["id"])
    assert {(lk["account_id"], lk["post_id"], lk["post_account_id"]) for lk in out["likes"]} == {
        (q(a["id"]), q(raw["status"]["id"]), author) for a in raw["favourited_by"]
    }
    assert all(lk["created_at"] is None for lk in out["likes"])  # the endpoint gives no time
    assert {lk["observed_at"].isoformat() for lk in out["likes"]} == {"2024-11-03T08:00:00+00:00"}


def test_when_a_context_starts_at_a_top_level_post_then_every_status_gets_that_root() -> None:
    raw = json.loads((FIXTURES / "context.json").read_text())
    out = read_all(MastodonAdapter(), FIXTURES / "context.json")
    assert len(out["posts"]) == len(raw["ancestors"]) + len(raw["descendants"])
    assert {p["root_post_id"] for p in out["posts"]} == {q(raw["ancestors"][0]["id"])}


@pytest.mark.parametrize(
    ("name", "statuses"),
    [
        ("stream_public.jsonl", {"113400000000000008", "113400000000000006"}),
        ("stream_public.sse", {"113400000000000008", "113400000000000003"}),
    ],
)
def test_when_streaming_events_are_read_then_updates_load_and_deletes_are_skipped(
    name: str, statuses: set
) -> None:
    out = read_all(MastodonAdapter(), FIXTURES / name)
    assert ids(out["posts"], "post_id") == {q(s) for s in statuses}
    assert "quarantine" not in out


def test_when_no_record_shows_the_server_then_ids_stay_bare_unless_given() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "remote.json"
        status = json.loads((FIXTURES / "stream_public.jsonl").read_text().splitlines()[1])[
            "payload"
        ]
        path.write_text(status + "\n")
        assert ids(read_all(MastodonAdapter(), path)["posts"], "post_id") == {"113400000000000006"}
        given_instance = read_all(MastodonAdapter(instance="example.net"), path)["posts"]
        assert ids(given_instance, "post_id") == {"113400000000000006@example.net"}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".md"))
def test_every_mastodon_fixture_is_recognised(name: str) -> None:
    assert MastodonAdapter().sniff(FIXTURES / name)


def test_when_records_are_bad_then_each_is_quarantined_with_its_place_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    timeline = json.loads((FIXTURES / "home_timeline.json").read_text())
    good = timeline[5]
    wrong_type = json.loads(json.dumps(timeline[1]))
    wrong_type["account"]["followers_count"] = "abc"
    lines = [
        json.dumps(good),
        json.dumps(good)[:120],  # truncated
        json.dumps(wrong_type),
        json.dumps({"kind": "poll", "id": "1"}),  # not a Mastodon entity
        json.dumps({"event": "mystery", "payload": "{}"}),
        json.dumps({"id": "1", "content": "x", "account": {"username": "nobody"}}),  # no account id
        json.dumps({"event": "update", "payload": "{not json"}),
        '{"note": "' + "x" * (10 * 2**20) + '"}',  # a 10 MB record
        json.dumps(timeline[0]),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = read_all(MastodonAdapter(), path)
    quarantine = out["quarantine"]
    assert {r["source"] for r in quarantine} == {str(path)}
    where = {r["location"]: r for r in quarantine}
    assert where[f"{path}:2"]["error"].startswith("invalid JSON")
    assert (
        where[f"{path}:3"]["field"] == "followers_count" and "'abc'" in where[f"{path}:3"]["error"]
    )
    assert "not a Mastodon entity" in where[f"{path}:4"]["error"]
    assert where[f"{path}:5"]["field"] == "event"
    assert where[f"{path}:6"]["field"] == "account.id"
    assert where[f"{path}:7"]["field"] == "payload"
    assert "limit" in where[f"{path}:8"]["error"] and len(where[f"{path}:8"]["raw"]) < 3000
    assert len(by_field(quarantine)["followers_count"]) == 1
    loaded = ids(out["posts"], "post_id")
    assert {q(good["id"]), q(wrong_type["id"]), q(timeline[0]["id"])} <= loaded
    bob = next(a for a in out["accounts"] if a["account_id"] == q(wrong_type["account"]["id"]))
    assert bob["followers_count"] is None
    assert bob["following_count"] == wrong_type["account"]["following_count"]


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=80)
_ID = st.integers(min_value=1, max_value=2**62).map(str)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(st.tuples(_ID, _ID, _TEXT, st.sampled_from(["a", "b@x.org"])), min_size=1, max_size=8)
)
def test_generated_statuses_round_trip_ids_and_text(items: list) -> None:
    statuses = []
    for status_id, account_id, text, acct in items:
        user, _, domain = acct.partition("@")
        url = f"https://{domain or INSTANCE}/@{user}"
        account = {"id": account_id, "username": user, "acct": acct, "url": url}
        statuses.append(
            {
                "id": status_id,
                "created_at": "2024-01-01T00:00:00.000Z",
                "content": f"<p>{html.escape(text)}</p>",
                "account": account,
                "in_reply_to_id": None,
                "mentions": [],
                "tags": [],
            }
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.json"
        path.write_text(json.dumps(statuses))
        out = read_all(MastodonAdapter(), path)
    # ids are qualified when some local account (acct without a domain) reveals the server
    local = any("@" not in s["account"]["acct"] for s in statuses)
    name = q if local else str
    expected = {}
    for status in statuses:
        text = html.unescape(status["content"][3:-4]).strip()
        expected.setdefault(name(status["id"]), (name(status["account"]["id"]), text))
    got = {p["post_id"]: (p["account_id"], p["text"]) for p in out["posts"]}
    assert got == expected


_HEADS = [b"event: update\ndata: ", b'[{"acct": ', b'{"event":"update","payload":']


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.tuples(st.sampled_from(_HEADS), st.binary(max_size=200)).map(b"".join),
    )
)
def test_arbitrary_bytes_never_raise_out_of_read(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "noise.json"
        path.write_bytes(data)
        out = read_all(MastodonAdapter(), path)
    assert set(out) <= {"accounts", "posts", "follows", "quarantine"}


@pytest.mark.parametrize("cut", [10, 200, 1000])
def test_when_a_compressed_file_is_cut_off_then_sniff_and_read_never_raise(
    tmp_path: Path, cut: int
) -> None:
    import gzip

    import zstandard

    data = (FIXTURES / "home_timeline.json").read_bytes()
    for name, packed in (
        ("t.json.gz", gzip.compress(data)),
        ("t.json.zst", zstandard.compress(data)),
    ):
        path = tmp_path / name
        path.write_bytes(packed[:cut])
        MastodonAdapter().sniff(path)
        out = read_all(MastodonAdapter(), path)
        assert set(out) <= {"accounts", "posts", "quarantine"}
        assert "quarantine" in out or "posts" in out


def test_when_files_are_compressed_then_they_read_the_same(tmp_path: Path) -> None:
    import gzip

    import zstandard

    data = (FIXTURES / "home_timeline.json").read_bytes()
    plain = read_all(MastodonAdapter(), FIXTURES / "home_timeline.json")
    for name, packed in (
        ("t.json.gz", gzip.compress(data)),
        ("t.json.zst", zstandard.compress(data)),
    ):
        path = tmp_path / name
        path.write_bytes(packed)
        assert MastodonAdapter().sniff(path)
        assert read_all(MastodonAdapter(), path)["posts"] == plain["posts"]
