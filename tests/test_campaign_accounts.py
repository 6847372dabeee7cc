"""Campaigns judged by who pushed them (issue 14, item 5): a template through throwaway accounts
is coordinated even when each posts once; a story syndicated by established outlets is not.

The inputs are what a user scans: a Bluesky Jetstream capture in the real event format (identity,
profile and post commits, mention and link facets at UTF-8 byte offsets) and, for the counts that
Jetstream never carries, a saved AppView ``getProfiles`` response. They go through the whole
``scan`` pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tigerblood.scan import scan
from tigerblood.store import Store
from tigerblood.testing.scenarios import tid

T0 = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
CID = "bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5wd3ptdtbdcqkd4"
NAMES = ["maria", "tom", "yuki", "omar", "lena", "paul", "sofia", "ravi"]
GREETINGS = ["Hey", "Hi", "Hello", "Hey", "Hi", "Hello", "Hey", "Hi"]
STORY = "https://www.wirenews.example/2025/03/04/river-bridge-reopens-after-repairs"


HEADLINES = [
    "River bridge reopens after eight months of repairs, city says",
    "School board approves budget with new funding for music programs",
    "Storm warning issued for the coast as winds pick up overnight",
]


def did(prefix: str, n: int) -> str:
    return f"did:plc:{prefix}{n:02d}" + "a" * (22 - len(prefix))


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def micros(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def identity(author: str, handle: str, at: datetime) -> dict[str, Any]:
    return {
        "did": author,
        "time_us": micros(at),
        "kind": "identity",
        "identity": {"did": author, "handle": handle, "seq": micros(at) % 10**8, "time": iso(at)},
    }


def commit(author: str, at: datetime, collection: str, rkey: str, record: dict) -> dict:
    return {
        "did": author,
        "time_us": micros(at),
        "kind": "commit",
        "commit": {
            "rev": tid(micros(at), 1),
            "operation": "create",
            "collection": collection,
            "rkey": rkey,
            "record": {"$type": collection, **record},
            "cid": CID,
        },
    }


def profile(author: str, name: str, created: datetime, at: datetime) -> dict[str, Any]:
    record = {"displayName": name, "description": "", "createdAt": iso(created)}
    return commit(author, at, "app.bsky.actor.profile", "self", record)


def facet(text: str, part: str, feature: dict[str, str]) -> dict[str, Any]:
    """A facet over ``part`` of ``text`` at its UTF-8 byte offsets, as the app writes them."""
    start = len(text[: text.index(part)].encode())
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": start + len(part.encode())},
        "features": [feature],
    }


def post(author: str, at: datetime, text: str, facets: list[dict], embed: dict | None = None):
    record: dict[str, Any] = {"text": text, "facets": facets, "langs": ["en"]}
    if embed:
        record["embed"] = embed
    record["createdAt"] = iso(at)
    return commit(author, at, "app.bsky.feed.post", tid(micros(at), 2), record)


def view(author: str, handle: str, created: datetime, followers: int, posts: int) -> dict:
    """A profileViewDetailed as ``app.bsky.actor.getProfiles`` returns it."""
    return {
        "did": author,
        "handle": handle,
        "displayName": handle.split(".")[0],
        "labels": [],
        "createdAt": iso(created),
        "indexedAt": iso(created),
        "followersCount": followers,
        "followsCount": 40,
        "postsCount": posts,
    }


def write(tmp_path: Path, events: list[dict], views: list[dict]) -> list[Path]:
    """The AppView response first (its counts), then the capture."""
    profiles = tmp_path / "app.bsky.actor.getProfiles.json"
    response = {"collected_at": iso(T0 + timedelta(days=1)), "response": {"profiles": views}}
    profiles.write_bytes(orjson.dumps(response))
    capture = tmp_path / "jetstream.jsonl"
    events = sorted(events, key=lambda e: e["time_us"])
    capture.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return [profiles, capture] if views else [capture]


def template_push(with_counts: bool) -> tuple[list[dict], list[dict], dict[str, str]]:
    """Eight accounts made three days ago, each greeting a different stranger once with the same
    appeal; the greeting and the mentioned name change from copy to copy."""
    events, views, handles = [], [], {}
    for n, (name, hello) in enumerate(zip(NAMES, GREETINGS, strict=True)):
        author, handle = did("new", n), f"glowup{n}.bsky.social"
        handles[author] = handle
        created = T0 - timedelta(days=3, hours=n)
        at = T0 + timedelta(minutes=25 * n)
        stranger = f"{name}.bsky.social"
        text = f"{hello} @{stranger}, check my profile, link in bio!"
        mention = {"$type": "app.bsky.richtext.facet#mention", "did": did("str", n)}
        events += [
            identity(author, handle, created),
            profile(author, f"Glow {n}", created, created + timedelta(seconds=5)),
            post(author, at, text, [facet(text, f"@{stranger}", mention)]),
        ]
        views.append(view(author, handle, created, followers=0, posts=1))
    return events, views if with_counts else [], handles


def syndicated_story(
    headline: str = "River bridge reopens after eight months of repairs, city says",
    story: str = STORY,
    day: int = 0,
) -> tuple[list[dict], list[dict], dict[str, str]]:
    """Eight local outlets, years old with thousands of followers, running one wire story."""
    events, views, handles = [], [], {}
    for n in range(8):
        author, handle = did("out", n), f"town{n}news.com"
        handles[author] = handle
        created = T0 - timedelta(days=365 * 6 + 30 * n)
        at = T0 + timedelta(days=day, minutes=40 * n)
        shown = story.split("://")[1][:30] + "..."
        text = f"{headline} {shown}"
        link = {"$type": "app.bsky.richtext.facet#link", "uri": story}
        card = {
            "$type": "app.bsky.embed.external",
            "external": {"uri": story, "title": headline, "description": "Wire story"},
        }
        events.append(post(author, at, text, [facet(text, shown, link)], card))
        views.append(view(author, handle, created, followers=5_000 + 700 * n, posts=9_000))
    return events, views, handles


def campaign_findings(result) -> dict[str, dict]:
    return {
        v["account_id"]: f
        for v in result.verdicts
        for f in v["findings"]
        if f["detector"] == "coordinated_campaign"
    }


def scan_one_campaign(tmp_path: Path, events: list[dict], views: list[dict]) -> tuple[Any, dict]:
    """The rules' scan of ``events`` (no model) and the one campaign it found."""
    store = Store()
    result = scan(write(tmp_path, events, views), store, use_model=False)
    [row] = store.arrow("SELECT * FROM campaigns").to_pylist()
    return result, row


@pytest.mark.parametrize("with_counts", [True, False], ids=["appview counts", "jetstream only"])
def test_new_audienceless_accounts_posting_one_template_once_each_are_one_campaign(
    tmp_path: Path, with_counts: bool
) -> None:
    events, views, handles = template_push(with_counts)
    result, row = scan_one_campaign(tmp_path, events, views)
    assert row["accounts"] == 8 and row["verdict"] == "throwaway_accounts"
    assert "check my profile link in bio" in row["key"]
    found = campaign_findings(result)
    assert set(found) == set(handles)
    for finding in found.values():
        assert "check my profile link in bio" in finding["summary"]
        assert all(h in finding["summary"] for h in handles.values())
        assert finding["evidence"]["throwaway_campaign_id"] == row["campaign_id"]
        assert "8 of 8 accounts are new" in finding["summary"]


def same_friendly_reply(with_counts: bool) -> tuple[list[dict], list[dict], dict[str, str]]:
    """Six accounts made three weeks ago, each answering a different stranger's post once with
    the same friendly sentence: no link, no contact, no hashtag, nobody mentioned."""
    events, views, handles = [], [], {}
    for n in range(6):
        author, handle = did("new", n), f"reader{n}.bsky.social"
        handles[author] = handle
        created = T0 - timedelta(days=21, hours=n)
        at = T0 + timedelta(minutes=50 * n)
        parent = f"at://{did('str', n)}/app.bsky.feed.post/{tid(micros(at) - 10**9, 3)}"
        answer = post(author, at, "yes the notebook saved me more than once, thank you", [])
        ref = {"uri": parent, "cid": CID}
        answer["commit"]["record"]["reply"] = {"root": ref, "parent": ref}
        events += [
            identity(author, handle, created),
            profile(author, f"Reader {n}", created, created + timedelta(seconds=5)),
            answer,
        ]
        views.append(view(author, handle, created, followers=3, posts=4))
    return events, views if with_counts else [], handles


@pytest.mark.parametrize("with_counts", [True, False], ids=["appview counts", "jetstream only"])
def test_young_accounts_writing_the_same_reply_push_nothing_and_are_no_campaign(
    tmp_path: Path, with_counts: bool
) -> None:
    events, views, _ = same_friendly_reply(with_counts)
    result, row = scan_one_campaign(tmp_path, events, views)
    assert row["accounts"] == 6 and row["verdict"] == "nothing_pushed"
    assert "6 accounts (" in row["reason"] and "6 new, audience-less" in row["reason"]
    assert "0 of 6 posts push anything" in row["reason"]
    assert not campaign_findings(result)
    assert not any(v["flagged"] for v in result.verdicts)


def test_the_same_reply_carrying_a_link_is_pushed_and_a_campaign(tmp_path: Path) -> None:
    events, views, handles = same_friendly_reply(with_counts=False)
    link = "https://notebook-deals.example/offer"
    for event in events:
        record = event.get("commit", {}).get("record", {})
        if "reply" in record:
            record["embed"] = {
                "$type": "app.bsky.embed.external",
                "external": {"uri": link, "title": "Offer", "description": ""},
            }
    store = Store()
    result = scan(write(tmp_path, events, views), store, use_model=False)
    verdicts = {r["verdict"] for r in store.arrow("SELECT * FROM campaigns").to_pylist()}
    assert verdicts == {"throwaway_accounts"}
    assert set(campaign_findings(result)) == set(handles)


def test_the_same_reply_making_a_pitch_is_pushed_and_a_campaign(tmp_path: Path) -> None:
    """No link, no contact, nobody mentioned, but every copy sells the account itself ("check
    my profile, link in bio"): the pitch is what is pushed (the pitch classifier, as for a
    conversation's closing turn), and six new, audience-less accounts pushing it are a template
    through throwaway accounts."""
    events, views, handles = same_friendly_reply(with_counts=True)
    for event in events:
        record = event.get("commit", {}).get("record", {})
        if "reply" in record:
            record["text"] = "Loved this! Check my profile, link in bio for more"
    store = Store()
    result = scan(write(tmp_path, events, views), store, use_model=False)
    [row] = store.arrow("SELECT * FROM campaigns").to_pylist()
    assert row["verdict"] == "throwaway_accounts", row["reason"]
    assert set(campaign_findings(result)) == set(handles)


def test_established_outlets_syndicating_one_story_are_not_a_campaign_and_the_record_says_why(
    tmp_path: Path,
) -> None:
    events, views, _ = syndicated_story()
    store = Store()
    result = scan(write(tmp_path, events, views), store, use_model=False)
    [row] = store.arrow("SELECT * FROM campaigns").to_pylist()
    assert row["accounts"] == 8 and row["verdict"] == "established_accounts"
    assert "syndication" in row["reason"] and "not manufactured" in row["reason"]
    assert "followers" in row["reason"] and "6 years" in row["reason"]
    assert not campaign_findings(result)
    counted = store.sql("SELECT max(throwaway::INT), min(established::INT) FROM campaign_members")
    assert counted == [(0, 1)]


def test_outlets_running_story_after_story_together_are_still_no_crew(tmp_path: Path) -> None:
    """The issue's local-news false positive: the same outlets, one wire story a day for three
    days, would meet the crew rule (items and repeat partners) if their campaigns counted."""
    events: list[dict] = []
    views: list[dict] = []
    for day, headline in enumerate(HEADLINES):
        story = f"https://wirenews.example/2025/03/0{4 + day}/story-{day}"
        day_events, views, _ = syndicated_story(headline, story, day)
        events += day_events
    store = Store()
    result = scan(write(tmp_path, events, views), store, use_model=False)
    verdicts = {r[0] for r in store.sql("SELECT verdict FROM campaigns")}
    assert store.count("campaigns") == 3 and verdicts == {"established_accounts"}
    assert not campaign_findings(result)
