"""Live collectors against a real local HTTP server (tests/collect_fakes.py); no internet.

Expected rows are read from what the server served, never from the collector's own output; the
rescan tests check that a raw log read by the ingest adapters gives the very same tables.
"""

from __future__ import annotations

import doctest
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from collect_fakes import INSTANCE, AppView, FakeServer, Fault, Mastodon

from tigerblood.collect import (
    CollectError,
    RetryPolicy,
    collect_bluesky,
    collect_mastodon,
    http,
    state,
)
from tigerblood.collect import bluesky as bluesky_module
from tigerblood.collect import mastodon as mastodon_module
from tigerblood.collect.bluesky import MAX_LIKES_PER_POST, PROFILES_BATCH
from tigerblood.collect.http import HttpClient, parse_wait
from tigerblood.collect.mastodon import parse_acct
from tigerblood.ingest.entity_words import enrich_posts
from tigerblood.ingest.mastodon.responses import MastodonAdapter
from tigerblood.ingest.pipeline import ingest
from tigerblood.store import Store

FAST = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_cap=0.05, timeout=5)
FOLLOWERS = "/xrpc/app.bsky.graph.getFollowers"
HANDLE = "alice.example.com"
ACCT = f"@alice@{INSTANCE}"
KEYS = {
    "accounts": "platform, account_id",
    "posts": "platform, post_id",
    "follows": "platform, follower_id, followee_id, action",
    "likes": "platform, account_id, post_id",
}
LIKES = "/xrpc/app.bsky.feed.getLikes"


@pytest.fixture
def appview():
    world = AppView()
    with FakeServer() as server:
        world.mount(server)
        yield server, world


@pytest.fixture
def mastodon():
    world = Mastodon()
    with FakeServer() as server:
        world.mount(server)
        yield server, world


def bluesky(server: FakeServer, store: Store, **options):
    options = {"max_followers": 40, "max_posts": 50, "policy": FAST, **options}
    return collect_bluesky(HANDLE, store, base_url=server.url, **options)


def masto(server: FakeServer, store: Store, **options):
    options = {"max_followers": 9, "max_posts": 50, "policy": FAST, **options}
    return collect_mastodon(ACCT, store, base_url=server.url, **options)


def table(store: Store, name: str, drop: tuple[str, ...] = ()) -> list[tuple]:
    columns = [
        row[0]
        for row in store.sql(f"SELECT column_name FROM (DESCRIBE {name})")
        if row[0] not in drop
    ]
    return store.sql(f"SELECT {', '.join(columns)} FROM {name} ORDER BY ALL")


def assert_no_duplicates(store: Store) -> None:
    for name, key in KEYS.items():
        total = store.sql(f"SELECT count(*) FROM {name}")[0][0]
        distinct = store.sql(f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM {name})")[0][0]
        assert total == distinct, name


def edges(store: Store) -> set[tuple[str, str]]:
    return set(store.sql("SELECT follower_id, followee_id FROM follows"))


# ---------------------------------------------------------------- the HTTP client


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        ("0.1", 0.1),
        ("1700000060", 60.0),  # Bluesky: Unix epoch seconds
        ("2023-11-14T22:12:20Z", 0.0),  # Mastodon: ISO 8601 (in the past: no wait)
        ("2023-11-14T22:14:20+00:00", 60.0),
        ("Tue, 14 Nov 2023 22:14:20 GMT", 60.0),  # Retry-After as an HTTP date
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_wait_headers_read_as_seconds(value, expected):
    assert parse_wait(value, now=1_700_000_000.0) == expected


def test_when_429_carries_retry_after_then_client_waits_that_long_and_retries(appview):
    server, _ = appview
    server.faults.append(Fault(FOLLOWERS, 429, headers={"Retry-After": "0.2"}))
    with HttpClient(server.url, FAST) as client:
        started = time.monotonic()
        client.get(FOLLOWERS, {"actor": HANDLE})
        assert time.monotonic() - started >= 0.2
        assert (client.requests, client.retries) == (2, 1)


@pytest.mark.parametrize(
    ("prefix", "reset"),
    [
        ("ratelimit", lambda: f"{time.time() + 0.3:.3f}"),  # Bluesky: epoch seconds
        ("X-RateLimit", lambda: time_iso(0.3)),  # Mastodon: ISO 8601
    ],
)
def test_when_the_rate_window_is_spent_then_next_request_waits_for_reset(appview, prefix, reset):
    server, _ = appview
    server.headers.update({f"{prefix}-Remaining": "0", f"{prefix}-Reset": reset()})
    deadline = time.monotonic() + 0.3
    with HttpClient(server.url, FAST) as client:
        client.get(FOLLOWERS, {"actor": HANDLE})
        client.get(FOLLOWERS, {"actor": HANDLE})
    _, second = server.requests(FOLLOWERS)
    assert second.at >= deadline - 0.01  # the reset's own rounding
    assert client.retries == 0


def time_iso(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_backoff_is_full_jitter_capped_exponential(appview):
    server, _ = appview
    server.faults.append(Fault(FOLLOWERS, 503, times=None))
    slept: list[float] = []
    policy = RetryPolicy(max_retries=4, backoff_base=1.0, backoff_cap=4.0)
    client = HttpClient(server.url, policy, sleep=slept.append, rand=lambda: 0.5)
    with client, pytest.raises(CollectError) as failure:
        client.get(FOLLOWERS, {"actor": HANDLE})
    assert slept == [0.5, 1.0, 2.0, 2.0]
    assert "failed after 5 attempts" in str(failure.value)
    assert f"{server.url}{FOLLOWERS}?actor={HANDLE}" in str(failure.value)
    assert "HTTP 503" in str(failure.value)


def test_when_server_says_not_found_then_error_names_url_without_retrying(appview):
    server, _ = appview
    with HttpClient(server.url, FAST) as client, pytest.raises(CollectError) as failure:
        client.get("/xrpc/app.bsky.actor.getProfile", {"actor": "nobody.example"})
    assert failure.value.status == 400
    assert "getProfile?actor=nobody.example" in str(failure.value)
    assert "InvalidRequest: Profile not found" in str(failure.value)
    assert client.retries == 0


def test_when_server_asks_for_too_long_a_wait_then_fail_now_and_resume_later(appview):
    server, _ = appview
    server.faults.append(Fault(FOLLOWERS, 429, headers={"Retry-After": "3600"}))
    with HttpClient(server.url, FAST) as client, pytest.raises(CollectError) as failure:
        client.get(FOLLOWERS, {"actor": HANDLE})
    assert "3600 s wait" in str(failure.value)
    assert failure.value.status == 429


def test_when_nothing_listens_then_connection_errors_are_retried_then_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with HttpClient(url, FAST) as client, pytest.raises(CollectError) as failure:
        client.get("/xrpc/app.bsky.actor.getProfile", {"actor": HANDLE})
    assert client.requests == 4
    assert f"GET {url}/xrpc/app.bsky.actor.getProfile" in str(failure.value)
    assert "ConnectError" in str(failure.value)


def test_when_answer_is_slower_than_timeout_then_retry(appview):
    server, _ = appview
    server.faults.append(Fault(FOLLOWERS, delay=0.6))
    policy = RetryPolicy(max_retries=2, backoff_base=0.01, timeout=0.2)
    with HttpClient(server.url, policy) as client:
        response = client.get(FOLLOWERS, {"actor": HANDLE})
    assert client.retries == 1
    assert response.data["followers"]


def test_oversized_response_is_refused(appview):
    server, _ = appview
    policy = RetryPolicy(max_response_bytes=100)
    with HttpClient(server.url, policy) as client, pytest.raises(CollectError, match="limit"):
        client.get(FOLLOWERS, {"actor": HANDLE})


def test_requests_name_the_tool(appview):
    server, _ = appview
    with HttpClient(server.url, FAST) as client:
        client.get(FOLLOWERS, {"actor": HANDLE})
    assert server.log[0].agent.startswith("tigerblood/")


# ---------------------------------------------------------------- Bluesky


def test_bluesky_collects_what_was_served_through_429_and_503(appview):
    server, world = appview
    server.faults += [
        Fault("/xrpc/app.bsky.graph.getFollows", 429, headers={"Retry-After": "0.1"}),
        Fault("/xrpc/app.bsky.feed.getAuthorFeed", 503),
    ]
    store = Store()
    report = bluesky(server, store)

    assert report.retries == 2
    assert not report.resumed
    assert report.account_id == world.did
    served_followers = [v["did"] for v in world.followers[:40]]
    assert edges(store) == {(f, world.did) for f in served_followers} | {
        (world.did, v["did"]) for v in world.follows
    }
    posts = {row[0] for row in store.sql("SELECT post_id FROM posts")}
    assert posts == world.served_posts()
    # Who liked her posts: every liker served, each like naming Alice as the post's author.
    served_likes = world.served_likes(MAX_LIKES_PER_POST)
    likes = store.sql("SELECT account_id, post_id, post_account_id, observed_at FROM likes")
    assert {(liker, post) for liker, post, _, _ in likes} == served_likes
    assert {author for _, _, author, _ in likes} == {world.did}
    assert all(observed is not None for *_, observed in likes)
    assert report.steps["likes"] == len(served_likes)
    # getProfiles: batches of at most 25, for every follower, liker and whoever talked to Alice.
    asked = [did for batch in world.served_profiles for did in batch]
    likers = {liker for liker, _ in served_likes}
    assert all(len(batch) <= PROFILES_BATCH for batch in world.served_profiles)
    assert sorted(asked) == sorted(set(served_followers) | world.talkers() | likers)
    assert likers - set(served_followers)  # most likers do not follow her
    assert world.talkers() - set(served_followers)  # Dan replied without following
    counted = store.sql(
        "SELECT account_id FROM accounts WHERE followers_count IS NOT NULL "
        "AND observed_at IS NOT NULL"
    )
    assert set(asked) | {world.did} <= {row[0] for row in counted}
    ok = [entry for entry in server.log if entry.status == 200]
    assert report.pages == len(ok)
    assert report.steps["followers"] == 40
    assert report.new_rows["follows"] == store.count("follows")
    assert_no_duplicates(store)


def test_bluesky_limits_hold(appview):
    server, world = appview
    store = Store()
    report = bluesky(
        server,
        store,
        max_followers=25,
        max_follows=1,
        max_posts=2,
        max_threads=1,
        max_liked_posts=1,
        max_likes_per_post=25,
    )
    limits = [int(e.query["limit"][0]) for e in server.requests(FOLLOWERS)]
    assert limits == [25, 5]  # 20 served, then only the 5 still wanted
    liked = [(e.query["uri"][0], int(e.query["limit"][0])) for e in server.requests(LIKES)]
    (post,) = {uri for uri, _ in liked}  # one post only
    assert [limit for _, limit in liked] == [25, 5]  # its 45 likers: 20 served, then 5
    assert store.count("likes") == report.steps["likes"] == min(25, len(world.likes[post]["likes"]))
    assert report.steps["followers"] == 25
    assert report.steps["follows"] == 1
    assert report.steps["feed"] == 2
    assert len(server.requests("/xrpc/app.bsky.feed.getPostThread")) == 1


def test_bluesky_resumes_from_the_checkpoint_after_a_failure(appview, tmp_path):
    server, _ = appview
    broken = Fault(FOLLOWERS, 500, times=None, when=lambda q: q.get("cursor") == ["20"])
    server.faults.append(broken)
    db = tmp_path / "collect.duckdb"
    store = Store(db)
    with pytest.raises(CollectError) as failure:
        bluesky(server, store, raw_dir=tmp_path / "raw")
    message = str(failure.value)
    assert "app.bsky.graph.getFollowers" in message and "cursor=20" in message
    assert "failed after 4 attempts" in message and "HTTP 500" in message
    assert failure.value.report.pages == 2  # the profile and the first followers page
    store.close()  # as if the process had died

    server.faults.clear()
    mark = len(server.log)
    store = Store(db)
    report = bluesky(server, store, raw_dir=tmp_path / "raw")
    assert report.resumed
    assert not server.requests("/xrpc/app.bsky.actor.getProfile", since=mark)
    followers = server.requests(FOLLOWERS, since=mark)
    assert followers[0].query["cursor"] == ["20"]
    assert all("cursor" in entry.query for entry in followers)

    clean = Store()
    bluesky(server, clean)
    for name in ("accounts", "posts", "follows", "likes"):
        assert table(store, name, ("observed_at",)) == table(clean, name, ("observed_at",))
    assert_no_duplicates(store)
    assert store.sql("SELECT step FROM collect_state") == [(state.COMPLETE,)]


def test_bluesky_raw_log_rescans_to_the_same_tables(appview, tmp_path):
    server, _ = appview
    server.faults.append(Fault(FOLLOWERS, 500, times=None, when=lambda q: "cursor" in q))
    store = Store()
    with pytest.raises(CollectError):
        bluesky(server, store, raw_dir=tmp_path)
    server.faults.clear()
    report = bluesky(server, store, raw_dir=tmp_path)
    assert report.raw_path == tmp_path / f"bluesky-{HANDLE}.jsonl"

    rescanned = Store()
    result = ingest([report.raw_path], rescanned)
    assert not result.failed_sources
    assert store.count("likes") > 0
    for name in ("accounts", "posts", "follows", "likes"):
        assert table(rescanned, name) == table(store, name), name


def test_bluesky_second_run_starts_afresh_without_duplicates(appview):
    server, _ = appview
    store = Store()
    bluesky(server, store)
    counts = {name: store.count(name) for name in KEYS}
    second = bluesky(server, store)
    assert not second.resumed
    readings = second.new_rows.pop("account_snapshots")
    assert readings > 0  # a second run reads the counts again: new readings, nothing else
    tables = ("accounts", "posts", "follows", "likes", "quarantine")
    assert second.new_rows == dict.fromkeys(tables, 0)
    assert {name: store.count(name) for name in KEYS} == counts
    assert_no_duplicates(store)


def test_bluesky_likes_resume_mid_post_from_the_saved_cursor(appview):
    server, world = appview
    server.faults.append(Fault(LIKES, 500, times=None, when=lambda q: q.get("cursor") == ["20"]))
    store = Store()
    with pytest.raises(CollectError, match=r"getLikes.*cursor=20"):
        bluesky(server, store)
    server.faults.clear()
    mark = len(server.log)
    report = bluesky(server, store)
    assert report.resumed
    resumed = server.requests(LIKES, since=mark)
    assert resumed[0].query["cursor"] == ["20"]  # not the post's first page again
    served = world.served_likes(MAX_LIKES_PER_POST)
    assert set(store.sql("SELECT account_id, post_id FROM likes")) == served
    assert_no_duplicates(store)


def test_bluesky_likes_of_a_post_deleted_meanwhile_are_skipped(appview):
    server, world = appview
    gone = next(iter(world.likes))
    world.likes.pop(gone)
    store = Store()
    report = bluesky(server, store)
    assert report.steps["likes_unavailable"] == 1
    posts = {post for _, post in store.sql("SELECT account_id, post_id FROM likes")}
    assert posts == set(world.likes)


def test_bluesky_thread_deleted_meanwhile_is_skipped(appview):
    server, world = appview
    world.threads.pop(next(iter(world.threads)))
    report = bluesky(server, Store())
    assert report.steps["threads_unavailable"] == 1
    assert report.steps["threads"] == 1


def test_bluesky_unknown_handle_fails_clearly(appview):
    server, _ = appview
    with pytest.raises(CollectError, match="Profile not found") as failure:
        collect_bluesky("@Nobody.example", Store(), base_url=server.url, policy=FAST)
    assert "actor=nobody.example" in str(failure.value)


# ---------------------------------------------------------------- Mastodon


def test_mastodon_collects_what_was_served_through_429_and_503(mastodon):
    server, world = mastodon
    statuses = f"/api/v1/accounts/{world.id}/statuses"
    server.faults += [
        Fault(statuses, 429, headers={"Retry-After": "0.1"}),
        Fault(f"/api/v1/accounts/{world.id}/followers", 503),
    ]
    store = Store()
    report = masto(server, store)

    assert report.retries == 2
    me = f"{world.id}@{INSTANCE}"
    assert report.account_id == me
    followers = [f"{a['id']}@{INSTANCE}" for a in world.followers[:9]]
    following = [f"{a['id']}@{INSTANCE}" for a in world.following]
    assert edges(store) == {(f, me) for f in followers} | {(me, f) for f in following}
    posts = {row[0] for row in store.sql("SELECT post_id FROM posts")}
    assert posts == world.served_status_ids()
    pages = [e for e in server.requests(statuses) if e.status == 200]
    assert len(pages) == 2  # 7 statuses, 4 a page
    assert pages[1].query["max_id"] == ["4"]
    assert len(server.requests("/api/v1/statuses/113400000000000001/context")) == 1
    likes = store.sql("SELECT account_id, post_id, post_account_id FROM likes")
    assert set(likes) == world.served_likes() and len(likes) == len(world.served_likes())
    assert len(server.requests("/api/v1/statuses/113400000000000001/favourited_by")) == 1
    observed = store.sql("SELECT observed_at FROM accounts WHERE account_id = ?", [me])
    assert observed[0][0] is not None
    assert_no_duplicates(store)


def test_mastodon_resumes_from_the_next_link(mastodon, tmp_path):
    server, world = mastodon
    followers = f"/api/v1/accounts/{world.id}/followers"
    server.faults.append(Fault(followers, 503, times=None, when=lambda q: "max_id" in q))
    store = Store()
    with pytest.raises(CollectError, match=r"followers\?max_id=4&limit=5 .*HTTP 503"):
        masto(server, store, raw_dir=tmp_path)
    server.faults.clear()
    mark = len(server.log)
    report = masto(server, store, raw_dir=tmp_path)
    assert report.resumed
    assert not server.requests("/api/v1/accounts/lookup", since=mark)
    assert not server.requests(f"/api/v1/accounts/{world.id}/statuses", since=mark)
    assert server.requests(followers, since=mark)[0].query["max_id"] == ["4"]
    assert report.steps["followers"] == 5
    assert_no_duplicates(store)

    # The raw log, read by the mastodon adapter as scan reads files, gives the same tables.
    rescanned = Store()
    for batch in MastodonAdapter().read(report.raw_path):
        data = batch.data
        if batch.table == "posts":
            data = enrich_posts(rescanned.unseen("posts", data))
        rescanned.load(batch.table, data)
    for name in ("accounts", "posts", "follows", "likes"):
        assert table(rescanned, name) == table(store, name), name


def test_mastodon_second_run_adds_nothing(mastodon):
    server, _ = mastodon
    store = Store()
    masto(server, store)
    second = masto(server, store)
    readings = second.new_rows.pop("account_snapshots")
    assert readings > 0  # a second run reads the counts again: new readings, nothing else
    tables = ("accounts", "posts", "follows", "likes", "quarantine")
    assert second.new_rows == dict.fromkeys(tables, 0)
    assert_no_duplicates(store)


def test_mastodon_unknown_account_fails_clearly(mastodon):
    server, _ = mastodon
    with pytest.raises(CollectError, match=r"lookup\?acct=nobody.*404"):
        collect_mastodon("@nobody@mastodon.social", Store(), base_url=server.url, policy=FAST)


@pytest.mark.parametrize("acct", ["alice", "@", ""])
def test_mastodon_needs_a_server(acct):
    with pytest.raises(ValueError, match="@"):
        collect_mastodon(acct, Store())


def test_acct_forms():
    assert parse_acct("@Alice@Mastodon.Social") == ("alice", "mastodon.social")
    assert parse_acct("alice@mastodon.social") == ("alice", "mastodon.social")


@pytest.mark.parametrize("module", [http, state, bluesky_module, mastodon_module])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def test_raw_dir_is_optional(appview, tmp_path: Path):
    server, _ = appview
    report = bluesky(server, Store())
    assert report.raw_path is None
    assert not list(tmp_path.iterdir())


def test_collect_command_then_scan_and_audit_use_the_same_store(appview, tmp_path):
    import subprocess
    import sys

    server, world = appview
    db = tmp_path / "c.duckdb"
    base = [sys.executable, "-m", "tigerblood.cli"]
    done = subprocess.run(
        [
            *base,
            "collect",
            "bluesky",
            HANDLE,
            "--db",
            str(db),
            "--base-url",
            server.url,
            "--max-followers",
            "30",
            "--max-posts",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "requests" in done.stdout
    con = Store(db, read_only=True)
    followers = con.sql("SELECT count(*) FROM follows WHERE followee_id = ?", [world.did])[0][0]
    con.close()
    assert followers == 30
    audit = subprocess.run(
        [*base, "audit", world.did, "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert audit.returncode == 0, audit.stderr
    assert '"quality' in audit.stdout


def test_mastodon_collected_again_later_adds_a_count_reading(mastodon):
    server, world = mastodon
    store = Store()
    masto(server, store)
    world.account["followers_count"] += 40  # the account gained followers since
    masto(server, store, fresh=True)
    me = f"{world.id}@{INSTANCE}"
    readings = store.sql(
        "SELECT followers_count FROM account_snapshots WHERE account_id = ? ORDER BY observed_at",
        [me],
    )
    assert [r[0] for r in readings] == [
        world.account["followers_count"] - 40,
        world.account["followers_count"],
    ]
    assert_no_duplicates(store)


def test_mastodon_statuses_deleted_meanwhile_are_skipped_in_threads_and_favourites(mastodon):
    server, world = mastodon
    world.context.clear()  # the server now answers 404 for the thread...
    world.favourites.clear()  # ...and for who favourited the status
    store = Store()
    report = masto(server, store)
    assert report.steps["threads_unavailable"] == 1
    assert report.steps["favourites_unavailable"] == 1
    assert store.count("likes") == 0
    assert_no_duplicates(store)


def test_bluesky_one_run_is_one_reading_of_each_account(appview):
    server, _ = appview
    store = Store()
    bluesky(server, store)
    # Every page of the run carries the run's time, so counts read on several pages (the
    # profile, followers' views, likers' profiles) are one reading per account.
    [(moments, readings, accounts)] = store.sql(
        "SELECT count(DISTINCT observed_at), count(*), count(DISTINCT account_id) "
        "FROM account_snapshots"
    )
    assert moments == 1 and readings == accounts > 1
