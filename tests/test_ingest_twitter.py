"""X/Twitter adapters: the "download your archive" zip or folder, and API v1.1/v2 dumps.

Expected counts come from the raw fixture files, parsed here independently of the adapters.
Hostile zips (path traversal, zip bombs) must give quarantine rows or a SourceError, never an
unbounded expansion or an exception out of ``read``.
"""

from __future__ import annotations

import gzip
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest_support import DATA, by_field, ids, pairs, read_all
from tigerblood.ingest.base import SourceError
from tigerblood.ingest.mastodon.responses import MastodonAdapter
from tigerblood.ingest.research.twibot import TwiBotAdapter
from tigerblood.ingest.twitter.api import TwitterApiAdapter
from tigerblood.ingest.twitter.archive import TwitterArchiveAdapter

ARCHIVE = DATA / "twitter" / "archive"
API = DATA / "twitter" / "api"
OWNER = "1467726470533754880"


def js(path: Path) -> list | dict:
    """A ``window.YTD.x.part0 = [...]`` file's JSON, the plain way."""
    return json.loads(path.read_text().split("=", 1)[1])


def zip_folder(folder: Path, target: Path, prefix: str = "", extra: dict | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target


def raw_archive_tweets() -> list[dict]:
    return [e["tweet"] for p in sorted((ARCHIVE / "data").glob("tweets*.js")) for e in js(p)]


def check_archive(out: dict) -> None:
    tweets = raw_archive_tweets()
    followers = [e["follower"]["accountId"] for e in js(ARCHIVE / "data/follower.js")]
    following = [e["following"]["accountId"] for e in js(ARCHIVE / "data/following.js")]
    assert ids(out["posts"], "post_id") == {t["id_str"] for t in tweets}
    assert len(out["posts"]) == len(tweets)
    assert {p["account_id"] for p in out["posts"]} == {OWNER}
    replies = {t["id_str"] for t in tweets if t.get("in_reply_to_status_id_str")}
    assert {p["post_id"] for p in out["posts"] if p["reply_to_post_id"]} == replies
    links = sorted(u["expanded_url"] for t in tweets for u in t["entities"]["urls"])
    assert sorted(u for p in out["posts"] for u in p["urls"]) == links
    assert pairs(out["follows"]) == {(f, OWNER) for f in followers} | {
        (OWNER, f) for f in following
    }
    [account] = out["accounts"]
    assert account["account_id"] == OWNER and account["handle"] == "garden_alice"
    assert (account["followers_count"], account["following_count"]) == (
        len(followers),
        len(following),
    )
    assert account["observed_at"].isoformat() == "2024-11-03T12:00:00+00:00"
    assert account["has_avatar"] is True and account["verified"] is False
    assert account["profile_urls"] == ["https://t.co/Qx1aBcD2eF"]
    liked = [e["like"]["tweetId"] for e in js(ARCHIVE / "data/like.js")]
    assert [(lk["account_id"], lk["post_id"]) for lk in out["likes"]] == [(OWNER, t) for t in liked]
    assert all(lk["post_account_id"] is None and lk["created_at"] is None for lk in out["likes"])


def test_when_an_unzipped_archive_is_read_then_counts_match_its_js_files() -> None:
    out = read_all(TwitterArchiveAdapter(), ARCHIVE)
    check_archive(out)
    assert "quarantine" not in out
    posts = {p["post_id"]: p for p in out["posts"]}
    assert posts["1852600000000000002"]["client"] == "Twitter for iPhone"
    assert posts["1852600000000000005"]["mentions"] == ["1350705206061744128", "783214"]
    assert posts["1852600000000000005"]["hashtags"] == ["seedswap"]
    assert posts["1852600000000000003"]["repost_of_post_id"] is None  # the archive never says


@pytest.mark.parametrize("prefix", ["", "twitter-2024-11-03-abc/"])
def test_when_the_archive_is_a_zip_then_it_reads_like_the_folder(
    tmp_path: Path, prefix: str
) -> None:
    path = zip_folder(ARCHIVE, tmp_path / "archive.zip", prefix)
    assert TwitterArchiveAdapter().sniff(path)
    out = read_all(TwitterArchiveAdapter(), path)
    check_archive(out)
    assert "quarantine" not in out


def test_when_a_zip_member_escapes_the_folder_then_it_is_refused_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    evil = {"../evil.js": b"window.YTD.x.part0 = []", "/etc/cron.js": b"", "data/../../up.js": b""}
    path = zip_folder(ARCHIVE, tmp_path / "evil.zip", extra=evil)
    out = read_all(TwitterArchiveAdapter(), path)
    refused = {r["location"]: r for r in by_field(out["quarantine"])["member"]}
    assert set(refused) == set(evil)
    assert (
        "escapes" in refused["../evil.js"]["error"]
        and "absolute" in refused["/etc/cron.js"]["error"]
    )
    check_archive(out)


def test_when_a_member_is_a_zip_bomb_then_it_is_refused_before_expanding(tmp_path: Path) -> None:
    zeros = b"0" * (40 * 2**20)  # 40 MB that deflates to ~40 kB: a ratio far over any text
    path = zip_folder(ARCHIVE, tmp_path / "bomb.zip", extra={"data/tweets-part9.js": zeros})
    out = read_all(TwitterArchiveAdapter(), path)
    [row] = [r for r in out["quarantine"] if r["location"].startswith("data/tweets-part9.js")]
    assert "ratio" in row["error"]
    assert len(out["posts"]) == len(raw_archive_tweets())


def test_when_a_member_expands_past_the_cap_then_reading_stops_there(tmp_path: Path) -> None:
    body = b"window.YTD.tweets.part9 = [" + b" " * (3 * 2**20) + b"]"
    path = zip_folder(ARCHIVE, tmp_path / "big.zip", extra={"data/tweets-part9.js": body})
    out = read_all(TwitterArchiveAdapter(max_member_bytes=2**20, max_ratio=10**9), path)
    [row] = [r for r in out["quarantine"] if r["location"].startswith("data/tweets-part9.js")]
    assert "member limit" in row["error"]
    total = read_all(TwitterArchiveAdapter(max_total_bytes=2 * 2**20, max_ratio=10**9), path)
    assert any("expansion limit" in r["error"] for r in total["quarantine"])


def test_when_the_header_lies_about_a_size_then_the_counted_bytes_still_stop_it(
    tmp_path: Path,
) -> None:
    from tigerblood.ingest.safezip import ArchiveLimitError, Limits, Tree

    path = zip_folder(ARCHIVE, tmp_path / "a.zip", extra={"data/x.js": b"x" * 50_000})
    with Tree(path, Limits(member_bytes=10**9)) as tree:
        stream = tree.open("data/x.js")
        stream.raw.cap = 1000  # as if the header had claimed 1000 bytes
        with pytest.raises(ArchiveLimitError):
            stream.read()


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b""])
def test_when_a_zip_cannot_be_opened_then_a_clear_source_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(content)
    assert not TwitterArchiveAdapter().sniff(path)
    with pytest.raises(SourceError, match=r"broken\.zip"):
        list(TwitterArchiveAdapter().read(path))


def test_when_tweets_js_is_truncated_then_earlier_tweets_load_and_the_cut_is_quarantined(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    (folder / "data").mkdir(parents=True)
    for path in (ARCHIVE / "data").iterdir():
        (folder / "data" / path.name).write_bytes(path.read_bytes())
    text = (ARCHIVE / "data/tweets.js").read_text()
    (folder / "data/tweets.js").write_text(text[: text.index('"1852600000000000003"') + 5])
    bad_followers = js(ARCHIVE / "data/follower.js")
    bad_followers[0]["follower"]["accountId"] = 12.5
    (folder / "data/follower.js").write_text(
        "window.YTD.follower.part0 = " + json.dumps(bad_followers)
    )
    out = read_all(TwitterArchiveAdapter(), folder)
    assert {"1852600000000000001", "1852600000000000002"} <= ids(out["posts"], "post_id")
    cut = [r for r in out["quarantine"] if r["location"].startswith("data/tweets.js:")]
    assert cut and "end of file" in cut[-1]["error"]
    assert by_field(out["quarantine"])["accountId"][0]["location"] == "data/follower.js:1#0"
    assert out["accounts"][0]["followers_count"] is None  # the list is no longer complete


def test_when_an_archive_has_no_account_then_it_is_not_claimed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/tweets.js").write_text("window.YTD.tweets.part0 = []")
    assert not TwitterArchiveAdapter().sniff(tmp_path)
    with pytest.raises(SourceError):
        list(TwitterArchiveAdapter().read(tmp_path))


# ---------------------------------------------------------------- API v1.1 and v2


def raw_v1_tweets(items: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for t in items:
        out[t["id_str"]] = t
        for key in ("retweeted_status", "quoted_status"):
            if key in t:
                out.update(raw_v1_tweets([t[key]]))
    return out


def test_when_a_v11_timeline_is_read_then_counts_match_the_raw_tweets() -> None:
    raw = raw_v1_tweets(json.loads((API / "v1_timeline.json").read_text()))
    out = read_all(TwitterApiAdapter(), API / "v1_timeline.json")
    assert ids(out["posts"], "post_id") == set(raw) and len(out["posts"]) == len(raw)
    assert ids(out["accounts"], "account_id") == {t["user"]["id_str"] for t in raw.values()}
    for post in out["posts"]:
        t = raw[post["post_id"]]
        assert post["reply_to_post_id"] == t["in_reply_to_status_id_str"]
        assert post["urls"] == [u["expanded_url"] for u in t["entities"]["urls"]]
        assert post["repost_of_post_id"] == t.get("retweeted_status", {}).get("id_str")
        assert post["quote_of_post_id"] == t.get("quoted_status_id_str")
    spam = next(a for a in out["accounts"] if a["handle"] == "best_deals_4u")
    assert spam["has_avatar"] is False and spam["following_count"] == 4100
    news = next(a for a in out["accounts"] if a["handle"] == "nytimes")
    assert news["verified"] is True and news["profile_urls"] == [
        "http://nytimes.com",
        "http://nyti.ms/2FVHq9v",
    ]


def test_when_a_streamed_tweet_is_truncated_then_extended_tweet_gives_the_full_text() -> None:
    out = read_all(TwitterApiAdapter(), API / "v1_stream.jsonl")
    long = next(p for p in out["posts"] if p["post_id"] == "1853000000000000005")
    assert long["text"].endswith("https://t.co/L0ng000001") and long["hashtags"] == ["gardening"]
    assert long["urls"] == ["https://dave.example/frost-cloth"]


def test_when_v2_pages_are_read_then_data_and_includes_all_load() -> None:
    pages = [json.loads(line) for line in (API / "v2_search.jsonl").read_text().splitlines()]
    tweets = {t["id"]: t for p in pages for t in p["data"] + p["includes"]["tweets"]}
    users = {u["id"] for p in pages for u in p["includes"]["users"]}
    out = read_all(TwitterApiAdapter(), API / "v2_search.jsonl")
    assert ids(out["posts"], "post_id") == set(tweets) and len(out["posts"]) == len(tweets)
    assert ids(out["accounts"], "account_id") == users
    for post in out["posts"]:
        t = tweets[post["post_id"]]
        refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
        assert post["account_id"] == t["author_id"] and post["root_post_id"] == t["conversation_id"]
        assert (post["reply_to_post_id"], post["quote_of_post_id"], post["repost_of_post_id"]) == (
            refs.get("replied_to"),
            refs.get("quoted"),
            refs.get("retweeted"),
        )
        urls = [
            u.get("unwound_url") or u["expanded_url"] for u in t.get("entities", {}).get("urls", [])
        ]
        assert post["urls"] == urls
    nyt = next(a for a in out["accounts"] if a["account_id"] == "807095")
    assert (nyt["followers_count"], nyt["likes_count"], nyt["listed_count"]) == (
        53000000,
        17000,
        210000,
    )


def test_when_api_records_are_bad_then_each_is_quarantined_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    timeline = json.loads((API / "v1_timeline.json").read_text())
    wrong = json.loads(json.dumps(timeline[2]))  # the only tweet of @best_deals_4u
    wrong["user"]["followers_count"] = "abc"
    page = json.loads((API / "v2_search.jsonl").read_text().splitlines()[0])
    page["data"].append({"id": "9", "text": "no author"})
    lines = [
        json.dumps(timeline[0]),
        json.dumps(timeline[1])[:300],
        json.dumps(wrong),
        json.dumps({"kind": "mystery"}),
        json.dumps({"delete": {"status": {"id_str": "1"}}}),
        '{"text": "' + "x" * (10 * 2**20) + '"}',
        json.dumps(page),
        "[1, 2]",
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = read_all(TwitterApiAdapter(), path)
    where = {(r["location"], r["field"]): r for r in out["quarantine"]}
    assert where[(f"{path}:2", "record")]["error"].startswith("invalid JSON")
    assert "'abc'" in where[(f"{path}:3", "followers_count")]["error"]
    assert "not a v1.1 or v2 object" in where[(f"{path}:4", "record")]["error"]
    assert (f"{path}:5", "record") not in where  # a stream notice, not bad data
    assert "limit" in where[(f"{path}:6", "record")]["error"]
    assert where[(f"{path}:7", "author_id")]["error"] == "author_id missing"
    assert (f"{path}:8", "record") in where
    assert {"1853000000000000004", "1853000000000000001", "1853000000000000002"} <= ids(
        out["posts"], "post_id"
    )
    spam = next(a for a in out["accounts"] if a["handle"] == "best_deals_4u")
    assert spam["followers_count"] is None and spam["following_count"] == 4100


def test_when_a_dump_is_gzipped_then_it_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "v1_timeline.json.gz"
    path.write_bytes(gzip.compress((API / "v1_timeline.json").read_bytes()))
    assert TwitterApiAdapter().sniff(path)
    plain = read_all(TwitterApiAdapter(), API / "v1_timeline.json")
    assert read_all(TwitterApiAdapter(), path)["posts"] == plain["posts"]


def my_fixtures() -> list[Path]:
    found = [ARCHIVE, *sorted(API.iterdir()), DATA / "twibot" / "twibot22"]
    found += sorted((DATA / "twibot" / "twibot20").glob("*.json"))
    found += sorted(p for p in (DATA / "mastodon").iterdir() if p.suffix != ".md")
    return found


@pytest.mark.parametrize("path", my_fixtures(), ids=lambda p: p.name)
def test_exactly_one_of_these_adapters_claims_each_fixture(path: Path) -> None:
    adapters = [MastodonAdapter(), TwitterArchiveAdapter(), TwitterApiAdapter(), TwiBotAdapter()]
    claimed = [a.name for a in adapters if a.sniff(path)]
    assert len(claimed) == 1, claimed


_ID = st.integers(min_value=1, max_value=2**63 - 1).map(str)
_TEXT = st.text(max_size=120)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(_ID, _ID, _TEXT, st.booleans()), min_size=1, max_size=8))
def test_generated_v1_and_v2_tweets_round_trip_ids_and_text(items: list) -> None:
    lines = []
    for tweet_id, user_id, text, v2 in items:
        if v2:
            lines.append({"data": {"id": tweet_id, "author_id": user_id, "text": text}})
        else:
            user = {"id_str": user_id, "screen_name": "u" + user_id}
            lines.append({"id_str": tweet_id, "full_text": text, "user": user})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        out = read_all(TwitterApiAdapter(), path)
    expected: dict = {}
    for tweet_id, user_id, text, _ in items:
        expected.setdefault(tweet_id, (user_id, text))
    assert {p["post_id"]: (p["account_id"], p["text"]) for p in out["posts"]} == expected
    assert "quarantine" not in out


_ARCHIVE_NAMES = st.sampled_from(
    ["data/profile.js", "data/tweets.js", "data/follower.js", "data/manifest.js"]
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.binary(max_size=300), st.dictionaries(_ARCHIVE_NAMES, st.binary(max_size=200), max_size=4)
)
def test_arbitrary_bytes_never_raise_out_of_read(data: bytes, members: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "noise.json"
        path.write_bytes(data)
        read_all(TwitterApiAdapter(), path)
        archive = Path(folder) / "noise.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr(
                "data/account.js", b'window.YTD.account.part0 = [{"account": {"accountId": "1"}}]'
            )
            for name, content in members.items():
                zf.writestr(name, content)
        out = read_all(TwitterArchiveAdapter(), archive)  # the owner is known: never an error
        assert [a["account_id"] for a in out["accounts"]] == ["1"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(st.tuples(_ID, _TEXT), min_size=0, max_size=8, unique_by=lambda t: t[0]),
    st.lists(_ID, max_size=6, unique=True),
    st.booleans(),
)
def test_generated_archives_round_trip_tweets_and_followers(
    tweets: list, followers: list, zipped: bool
) -> None:
    owner = {
        "account": {"accountId": "42", "username": "me", "createdAt": "2020-01-01T00:00:00.000Z"}
    }
    entries = [{"tweet": {"id_str": i, "full_text": t, "entities": {}}} for i, t in tweets]
    files = {
        "data/account.js": "window.YTD.account.part0 = " + json.dumps([owner], indent=2),
        "data/tweets.js": "window.YTD.tweets.part0 = " + json.dumps(entries, indent=2),
        "data/follower.js": "window.YTD.follower.part0 = "
        + json.dumps([{"follower": {"accountId": f}} for f in followers]),
    }
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "archive"
        (root / "data").mkdir(parents=True)
        for name, text in files.items():
            (root / name).write_text(text)
        path = zip_folder(root, Path(folder) / "a.zip") if zipped else root
        out = read_all(TwitterArchiveAdapter(), path)
    assert {p["post_id"]: p["text"] for p in out.get("posts", [])} == dict(tweets)
    assert pairs(out.get("follows", [])) == {(f, "42") for f in followers}
    assert "quarantine" not in out
