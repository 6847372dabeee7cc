"""A small audience in the tabular layout, built so every audit and mirror number is known.

carol (twitter:100) declares 80 followers; 60 are observed: 40 genuine accounts arriving 0-2 a
day over 40 days, and 20 bought-looking accounts (follow 700, followed by 3, never post) who all
arrive on day 20 — the burst. One more account followed and then unfollowed (not counted).
spammy (twitter:3000) replies to carol ten times with the same link and has a hostile bio and
post; 1001 (a genuine follower) replies twice; 4000 mentions carol once.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
OBSERVED = "2024-06-01 00:00:00+00"
HOSTILE = "<script>alert(1)</script>"
BURST_DAY = 20
SPAM_LINK = "https://cheap-followers.biz/buy"


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S+00")


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def account(
    account_id: str,
    handle: str,
    followers: int,
    following: int,
    posts: int,
    bio: str = "",
    name: str = "",
) -> dict:
    return {
        "platform": "twitter",
        "account_id": account_id,
        "handle": handle,
        "display_name": name or handle,
        "bio": bio,
        "created_at": "2020-01-01 00:00:00+00",
        "observed_at": OBSERVED,
        "followers_count": followers,
        "following_count": following,
        "posts_count": posts,
    }


def post(post_id: str, account_id: str, when: datetime, text: str, reply_to: str = "") -> dict:
    return {
        "platform": "twitter",
        "post_id": post_id,
        "account_id": account_id,
        "created_at": ts(when),
        "text": text,
        "reply_to_account_id": reply_to,
    }


def follow(follower: str, followee: str, when: datetime, action: str = "follow") -> dict:
    return {
        "platform": "twitter",
        "follower_id": follower,
        "followee_id": followee,
        "created_at": ts(when),
        "observed_at": OBSERVED,
        "action": action,
    }


def genuine_follower_days() -> list[int]:
    """Day (1-40) of each genuine follower: day i brings i % 3 of them (40 in all)."""
    return [day for day in range(1, 41) for _ in range(day % 3)]


def write_audience(folder: Path) -> Path:
    """Write accounts.csv, posts.csv and follows.csv into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts = [account("100", "carol", 80, 50, 30, bio="Writes about birds.", name="Carol")]
    posts, follows = [], []
    when = START
    for i in range(30):
        when += timedelta(minutes=(1, 20000, 2, 3, 1, 2, 4)[i % 7] + i)
        link = f" https://birds.example/{i}" if i % 5 == 0 else ""
        posts.append(post(f"c{i}", "100", when, f"Bird note {i}: saw {i * 3} sparrows.{link}"))
    for n, day in enumerate(genuine_follower_days()):
        ident = str(1000 + n)
        accounts.append(account(ident, f"reader{n}", 100 + n, 120, 300))
        follows.append(follow(ident, "100", START + timedelta(days=day - 1, hours=n % 9)))
        for k in range(3):
            when = START + timedelta(days=k * 5 + n % 4, hours=k + 1)
            posts.append(post(f"g{n}-{k}", ident, when, f"reader {n} thought number {k}"))
    for n in range(20):
        ident = str(2000 + n)
        accounts.append(account(ident, f"fan{n}x", 3, 700, 0))
        follows.append(follow(ident, "100", START + timedelta(days=BURST_DAY - 1, minutes=n)))
    accounts.append(account("1099", "fickle", 50, 60, 40))
    follows.append(follow("1099", "100", START + timedelta(days=3)))
    follows.append(follow("1099", "100", START + timedelta(days=5), action="unfollow"))
    accounts.append(account("3000", "spammy", 2, 40, 10, bio=HOSTILE, name="<b>Spam</b>"))
    for i in range(10):
        text = f"@carol great thread {i}! see {SPAM_LINK}"
        if i == 0:
            text = f"@carol {HOSTILE} {SPAM_LINK}"
        when = START + timedelta(days=10 + i * (i % 3 + 1), hours=i * 5 % 7, minutes=i * 17)
        posts.append(post(f"s{i}", "3000", when, text, reply_to="100"))
    posts.append(post("r1", "1001", START + timedelta(days=12), "@carol lovely sparrows", "100"))
    posts.append(post("r2", "1001", START + timedelta(days=14), "@carol and wrens?", "100"))
    accounts.append(account("4000", "birder", 40, 60, 100))
    posts.append(post("m1", "4000", START + timedelta(days=15), "a fine thread by @carol today"))
    _write(folder / "accounts.csv", accounts)
    _write(folder / "posts.csv", posts)
    _write(folder / "follows.csv", follows)
    return folder


SNAPSHOT_DAYS = tuple(range(0, 49, 4))
"""carol's follower count is read every 4 days from day 0 to day 48 (13 readings)."""
PURGE_DAY = 46
"""Between the readings of days 44 and 48 the platform removes 24 of carol's followers."""
PURGED = 24


def carol_follower_count(day: int) -> int:
    """What carol's profile says at ``day``: 20 old followers plus every follow up to then,
    minus the purge once it happened (the counts the tabular follows.csv implies)."""
    cutoff = START + timedelta(days=day)
    follows = sum(1 for d in genuine_follower_days() if START + timedelta(days=d - 1) <= cutoff)
    follows += 20 if START + timedelta(days=BURST_DAY - 1) <= cutoff else 0
    return 20 + follows - (PURGED if day >= PURGE_DAY else 0)


def write_engagement(folder: Path) -> Path:
    """The audience of :func:`write_audience`, plus likes of carol's posts and count readings.

    Likes: spammy (3000) likes c0-c4, ten bought-looking fans (2000-2009) like c5 each and one
    of them also likes a post of birder (not carol's: not counted), readers 1000-1004 like c1
    with the author left blank (matched by carol's post id). Count readings: every 4 days, from
    :func:`carol_follower_count`.
    """
    write_audience(folder)
    likes = [like("3000", f"c{i}", "100", START + timedelta(days=20, hours=i)) for i in range(5)]
    likes += [like(str(2000 + n), "c5", "100", START + timedelta(days=21)) for n in range(10)]
    likes.append(like("2000", "m1", "4000", START + timedelta(days=22)))
    likes += [like(str(1000 + n), "c1", "", START + timedelta(days=2 + n)) for n in range(5)]
    _write(folder / "likes.csv", likes)
    snapshots = [
        {
            "platform": "twitter",
            "account_id": "100",
            "observed_at": ts(START + timedelta(days=day)),
            "followers_count": carol_follower_count(day),
            "following_count": 50,
            "posts_count": 30,
        }
        for day in SNAPSHOT_DAYS
    ]
    _write(folder / "account_snapshots.csv", snapshots)
    return folder


def like(account_id: str, post_id: str, author: str, when: datetime) -> dict:
    return {
        "platform": "twitter",
        "account_id": account_id,
        "post_id": post_id,
        "post_account_id": author,
        "created_at": ts(when),
    }
