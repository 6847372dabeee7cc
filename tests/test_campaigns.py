"""Campaign clustering: datasketch-exact MinHash, and which bursts become campaigns, on posts
built by hand; plus the ``campaigns`` command's output."""

from __future__ import annotations

import random
from hashlib import blake2b
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from rich.console import Console

from tests.conversation_support import feature_table, post, store_with
from tigerblood.campaigns import campaign_evidence, find_campaigns
from tigerblood.campaigns.commands import campaigns_command
from tigerblood.campaigns.near_duplicates import (
    candidate_pairs,
    groups_of_chunks,
    near_duplicate_groups,
    permutations,
    shingle_hashes,
    signatures,
    token_chunks,
)

ACCOUNTS = ["a1", "a2", "a3", "a4", "a5", "a6"]


def random_texts(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 25, size=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return rng.integers(0, 2**63, size=offsets[-1], dtype=np.uint64), offsets


def test_signatures_are_datasketch_minhash_bit_for_bit() -> None:
    tokens, offsets = random_texts(1, 50)
    shingles, bounds = shingle_hashes(tokens, offsets, 3)
    sig = signatures(shingles, bounds, permutations(64, 1, 0.7))
    for i in range(50):
        expected = MinHash(num_perm=64, seed=1, hashfunc=lambda h: h)
        expected.update_batch([int(h) for h in shingles[bounds[i] : bounds[i + 1]]])
        assert np.array_equal(expected.hashvalues, sig[i])


def test_lsh_candidates_are_those_of_datasketch_minhashlsh() -> None:
    tokens, offsets = random_texts(2, 300)
    tokens[offsets[100] : offsets[100] + 3] = tokens[offsets[0] : offsets[0] + 3]  # near pairs
    shingles, bounds = shingle_hashes(tokens, offsets, 1)
    perms = permutations(64, 1, 0.3)
    sig = signatures(shingles, bounds, perms)
    lsh = MinHashLSH(threshold=0.3, num_perm=64)
    for i, row in enumerate(sig):
        lsh.insert(i, LeanMinHash(seed=1, hashvalues=row, scheme="affine32"))
    theirs = {
        frozenset((i, j))
        for i, row in enumerate(sig)
        for j in lsh.query(LeanMinHash(seed=1, hashvalues=row, scheme="affine32"))
        if j != i
    }
    left, right = candidate_pairs(sig, perms)
    ours = {frozenset((int(a), int(b))) for a, b in zip(left, right, strict=True)}
    # ours links each bucket to its first member: same connected groups, fewer edges
    assert ours <= theirs
    assert _components(ours) == _components(theirs)


def _components(pairs: set[frozenset]) -> set[frozenset]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for pair in pairs:
        a, b = sorted(pair)
        parent[find(b)] = find(a)
    groups: dict[int, set[int]] = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return {frozenset(g) for g in groups.values()}


def tokens_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    words = [t.lower().split() for t in texts]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=offsets[1:])
    flat = [int.from_bytes(blake2b(w.encode(), digest_size=8).digest()) for ws in words for w in ws]
    return np.array(flat, dtype=np.uint64), offsets


BASE = "the new token lists on friday and early holders get a bonus before the listing"
NEAR_CASES = [
    ("identical", BASE, True),
    ("one hashtag appended", BASE + " #airdrop", True),
    ("two words appended", BASE + " go now", True),
    ("two words changed", BASE.replace("friday", "monday").replace("early", "lucky"), False),
    ("another sentence on the topic", "token listings on friday are risky for early buyers", False),
]


@pytest.mark.parametrize(("case", "other", "same"), NEAR_CASES, ids=[c[0] for c in NEAR_CASES])
def test_near_duplicates_at_the_default_threshold(case: str, other: str, same: bool) -> None:
    groups = near_duplicate_groups(*tokens_of([BASE, other]))
    assert bool(groups[0] == groups[1]) is same


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_groups_do_not_depend_on_how_texts_are_chunked(chunk: int) -> None:
    base, offsets = random_texts(3, 300)
    # copies of a few texts, one token changed, so that groups and candidate pairs exist
    texts = [base[offsets[i] : offsets[i + 1]] for i in range(300)]
    for i in range(0, 300, 5):
        twin = texts[i].copy()
        twin[-1] ^= np.uint64(1) if len(twin) > 20 else np.uint64(0)
        texts.append(twin)
    lengths = [len(t) for t in texts]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = np.concatenate(texts)
    whole = near_duplicate_groups(tokens, offsets)
    assert len(set(whole.tolist())) < len(texts)  # some texts were grouped
    chunked = groups_of_chunks(token_chunks(tokens, offsets, size=chunk))
    assert chunked.tolist() == whole.tolist()


LINK = "https://push.example.org/offer"


def burst(link: str | None, text: str, accounts: list[str], minutes_apart: float, **extra) -> list:
    urls = [link] if link else []
    return [
        post(f"{acc}-{i}", acc, i * minutes_apart, text, urls=urls, **extra)
        for i, acc in enumerate(accounts)
    ]


CAMPAIGN_CASES = [
    ("five accounts, one link, two hours", burst(LINK, "look", ACCOUNTS[:5], 30), ["link"]),
    ("four accounts are not enough", burst(LINK, "look", ACCOUNTS[:4], 30), []),
    ("five accounts, one a day: no window holds five", burst(LINK, "x", ACCOUNTS[:5], 1440), []),
    (
        "tracking tags do not make links different",
        [
            post(f"p{i}", acc, i, "go", urls=[f"{LINK}?utm_source={acc}&ref={i}"])
            for i, acc in enumerate(ACCOUNTS[:5])
        ],
        ["link"],
    ),
    (
        "a short link is expanded where a link card shows its destination",
        [
            post(
                f"p{i}",
                acc,
                i,
                "go",
                urls=["https://bit.ly/aB3xYz9", LINK]
                if i < 2
                else (["https://bit.ly/aB3xYz9"] if i < 4 else [LINK]),
            )
            for i, acc in enumerate(ACCOUNTS[:5])
        ],
        ["link"],
    ),
    ("a bare host names a site, not an item", burst("https://news.example", "x", ACCOUNTS, 5), []),
    (
        "near-identical text without links",
        [
            post(f"p{i}", acc, i * 10, BASE + tail)
            for i, (acc, tail) in enumerate(
                zip(ACCOUNTS[:5], ["", " #a", " !!", " 🚀", " #b"], strict=True)
            )
        ],
        ["text"],
    ),
    (
        "the same push by link and by text is one campaign",
        burst(LINK, BASE, ACCOUNTS, 5),
        ["link+text"],
    ),
    ("retweets are left out", burst(LINK, "RT @boss: " + BASE, ACCOUNTS, 5), []),
    ("texts under 30 characters are too generic", burst(None, "good morning all", ACCOUNTS, 5), []),
    ("one account posting five times", burst(LINK, "x", ["a1"] * 5, 5), []),
    (
        "a template with the greeting, the name and the link swapped is one text",
        [
            post(
                f"p{i}",
                acc,
                i * 10,
                f"{hi} @{name}.bsky.social, check my profile, my link in bio! {i}ab.example/c{i}",
            )
            for i, (acc, hi, name) in enumerate(
                zip(ACCOUNTS[:5], ["Hey", "Hi", "Hello", "Hey", "Hi"], "abcde", strict=True)
            )
        ],
        ["text"],
    ),
    (
        "one phone number pushed by five accounts is a contact item",
        [
            post(f"p{i}", acc, i, f"call {i}", contacts=["whatsapp:+447911123456"])
            for i, acc in enumerate(ACCOUNTS[:5])
        ],
        ["contact"],
    ),
    (
        "small counts are content, not a swapped number",
        [
            post(f"p{i}", acc, i * 10, f"haha mine neither, it took {i + 2} attempts to get it")
            for i, acc in enumerate(ACCOUNTS[:5])
        ],
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "posts", "kinds"), CAMPAIGN_CASES, ids=[c[0] for c in CAMPAIGN_CASES]
)
def test_which_bursts_become_campaigns(case: str, posts: list[dict], kinds: list[str]) -> None:
    for i, row in enumerate(posts):
        row["post_id"] = f"{row['post_id']}-{i}"
    store = store_with(posts)
    find_campaigns(store)
    assert sorted(r[0] for r in store.sql("SELECT kind FROM campaigns")) == kinds


def test_retweets_count_when_asked() -> None:
    store = store_with(burst(LINK, "RT @boss: " + BASE, ACCOUNTS, 5))
    assert find_campaigns(store, include_reposts=True) == 1


def test_a_campaign_is_stored_with_members_links_texts_and_time_span() -> None:
    store = store_with(burst(LINK, "Claim it: [red]now[/red] " + LINK, ACCOUNTS[:5], 10))
    assert find_campaigns(store) == 1
    [row] = store.arrow("SELECT * FROM campaigns").to_pylist()
    assert row["accounts"] == 5 and row["posts"] == 5 and row["links"] == ["push.example.org/offer"]
    assert (row["last_at"] - row["first_at"]).total_seconds() == 40 * 60
    assert row["campaign_id"].startswith("cmp-") and row["sample_texts"]
    members = dict(store.sql("SELECT account_id, post_ids FROM campaign_members"))
    assert members["a3"] == ["a3-2"]
    store.con.register(
        "_evidence_accounts", pa.table({"platform": ["bluesky"], "account_id": ["a3"]})
    )
    [cited] = campaign_evidence(store)[("bluesky", "a3")]
    assert cited["campaign_id"] == row["campaign_id"] and cited["post_ids"] == ["a3-2"]


def test_same_input_same_campaign_ids() -> None:
    posts = burst(LINK, BASE, ACCOUNTS, 5)
    ids = []
    for _ in range(2):
        store = store_with(posts)
        find_campaigns(store)
        ids.append(store.sql("SELECT campaign_id FROM campaigns"))
    assert ids[0] == ids[1]


def test_campaign_features_count_items_and_the_crew_met_again() -> None:
    rng = random.Random(0)
    posts = burst(LINK, "one", ACCOUNTS, 5)
    posts += burst("https://push.example.org/second", "two", ACCOUNTS, 5)
    posts = [{**p, "created_at": p["created_at"]} for p in posts]
    for i, p in enumerate(posts):
        p["post_id"] = f"{p['post_id']}-{i}"
        if i >= len(ACCOUNTS):
            p["created_at"] = p["created_at"].replace(day=9)
    posts += [post(f"own{i}", "a1", 9000 + i, f"ordinary {rng.random()}") for i in range(8)]
    store = store_with(posts)
    assert find_campaigns(store) == 2
    rows = {r["account_id"]: r for r in feature_table(store).to_pylist()}
    assert rows["a1"]["campaign_count"] == 2 and rows["a1"]["campaign_items"] == 2
    assert rows["a1"]["campaign_repeat_partners"] == 5
    assert rows["a1"]["campaign_post_share"] == pytest.approx(2 / 10)
    assert rows["a2"]["largest_campaign_accounts"] == 6


CREW = [f"v{i}" for i in range(6)]


@pytest.mark.parametrize(
    ("first_crowd", "second_crowd", "met_again"),
    [
        # Two viral links, each shared by 40 accounts, 6 of them sharing both: 6/40 overlap.
        ([f"a{i}" for i in range(34)] + CREW, [f"b{i}" for i in range(34)] + CREW, 0),
        # A crew of six pushes two links: the same group again.
        (CREW, CREW, 5),
        # The crew pushes one link alone, then rides a viral one among 34 strangers: all of
        # the smaller burst came back in the larger.
        (CREW, [f"b{i}" for i in range(34)] + CREW, 5),
    ],
)
def test_only_bursts_that_are_the_same_group_again_make_a_crew(
    first_crowd: list[str], second_crowd: list[str], met_again: int
) -> None:
    posts = burst("https://news.example.org/one", "x", first_crowd, 2)
    later = burst("https://news.example.org/two", "y", second_crowd, 2)
    for p in later:
        p["post_id"], p["created_at"] = f"{p['post_id']}-b", p["created_at"].replace(day=9)
    store = store_with(posts + later)
    assert find_campaigns(store) == 2
    rows = {r["account_id"]: r for r in feature_table(store).to_pylist()}
    assert rows["v0"]["campaign_items"] == 2
    assert rows["v0"]["campaign_repeat_partners"] == met_again


@pytest.mark.parametrize(
    ("link", "hashtags", "counted"),
    [
        (None, [], False),  # the same stock phrases, day after day: nothing pushed
        ("https://push.example.org/item", [], True),  # a link each time: pushed
        (None, ["boycottacme"], True),  # a hashtag: pushed
    ],
)
def test_a_crew_meeting_again_counts_only_when_its_posts_push_something(
    link: str | None, hashtags: list[str], counted: bool
) -> None:
    first = "honestly this is the best thing i have read all week, thank you"
    second = "so true, i have been saying the same thing for years now friends"
    posts = burst(link and f"{link}/1", first, ACCOUNTS, 5, hashtags=hashtags)
    posts += burst(link and f"{link}/2", second, ACCOUNTS, 5, hashtags=hashtags)
    for i, p in enumerate(posts):
        p["post_id"] = f"{p['post_id']}-{i}"
        if i >= len(ACCOUNTS):
            p["created_at"] = p["created_at"].replace(day=9)
    store = store_with(posts)
    assert find_campaigns(store) == 2
    verdicts = {v for (v,) in store.sql("SELECT verdict FROM campaigns")}
    assert ("nothing_pushed" in verdicts) is not counted
    rows = {r["account_id"]: r for r in feature_table(store).to_pylist()}
    assert (rows["a1"]["campaign_items"] == 2) is counted
    assert (rows["a1"]["campaign_repeat_partners"] == 5) is counted


def scanned_store(path: Path) -> Path:
    from tigerblood.store import Store

    store = Store(path)
    store.load(
        "posts",
        store_with(burst(LINK, "[red]boom[/red] " + BASE, ACCOUNTS, 5)).arrow(
            "SELECT * FROM posts"
        ),
    )
    find_campaigns(store)
    store.close()
    return path


def test_campaigns_command_lists_clusters_with_text_escaped(tmp_path: Path) -> None:
    db = scanned_store(tmp_path / "s.duckdb")
    console = Console(record=True, width=200)
    assert campaigns_command(db, console=console) == 0
    shown = console.export_text()
    assert "1 coordinated campaigns" in shown and "[red]boom[/red]" in shown
    assert "push.example.org/offer" in shown


def test_campaigns_command_json_and_errors(tmp_path: Path, capsys) -> None:
    db = scanned_store(tmp_path / "s.duckdb")
    assert campaigns_command(db, as_json=True) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert sorted(orjson.loads(line)["members"]) == ACCOUNTS
    err = Console(record=True, width=200)
    assert campaigns_command(tmp_path / "missing.duckdb", err_console=err) == 1
    from tigerblood.store import Store

    Store(tmp_path / "empty.duckdb").close()
    assert campaigns_command(tmp_path / "empty.duckdb", err_console=err) == 1
    assert "holds no campaigns" in err.export_text()
