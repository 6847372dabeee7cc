"""A small tabular data set for the mirror's hard cases (issue 18), every number known.

- ``dealsphone`` (3 followers) answers five posts of two big accounts (250,000 and 120,000
  followers) and one of a small account (20) with its WhatsApp number: the field report's Bluesky
  reply spammer, who pushes a phone number, not a link, and only ever replies to strangers.
- ``silent`` has a profile without counts and no posts; ``ghostly`` appears only as someone
  others follow; ``undated`` has counts and posts without times.
"""

from __future__ import annotations

import csv
from pathlib import Path

PHONE_TEXT = "Want 10k followers fast? WhatsApp me +44 7911 123456"
BIG = {"star1": 250_000, "star2": 120_000}


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _account(ident: str, followers: object, following: object, posts: object) -> dict:
    return {
        "platform": "bluesky",
        "account_id": ident,
        "handle": f"{ident}.example.social",
        "created_at": "2024-01-01 00:00:00+00",
        "observed_at": "2024-06-01 00:00:00+00",
        "followers_count": followers,
        "following_count": following,
        "posts_count": posts,
    }


def _post(pid: str, who: str, when: str, text: str, parent: str = "", to: str = "") -> dict:
    return {
        "platform": "bluesky",
        "post_id": pid,
        "account_id": who,
        "created_at": when,
        "text": text,
        "reply_to_post_id": parent,
        "reply_to_account_id": to,
        "root_post_id": parent,
    }


def write_hard_cases(folder: Path) -> Path:
    """Write accounts.csv, posts.csv and follows.csv into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts = [
        _account("dealsphone", 3, 40, 6),
        *(_account(name, n, 300, 5000) for name, n in BIG.items()),
        _account("tiny", 20, 30, 100),
        _account("silent", "", "", ""),
        _account("undated", 30, 40, 4),
    ]
    accounts[-1]["created_at"] = ""
    posts = []
    targets = [("star1", 3), ("star2", 2), ("tiny", 1)]
    n = 0
    for owner, count in targets:
        for _ in range(count):
            day = 1 + n
            posts.append(_post(f"{owner}-{n}", owner, f"2024-05-{day:02d} 10:00:00+00", "news"))
            posts.append(
                _post(
                    f"d{n}",
                    "dealsphone",
                    f"2024-05-{day:02d} 10:0{n}:00+00",
                    PHONE_TEXT,
                    parent=f"{owner}-{n}",
                    to=owner,
                )
            )
            n += 1
    posts += [_post(f"u{i}", "undated", "", f"a thought {i}") for i in range(4)]
    follows = [
        {
            "platform": "bluesky",
            "follower_id": "tiny",
            "followee_id": "ghostly",
            "created_at": "2024-05-02 00:00:00+00",
            "action": "follow",
        }
    ]
    _write(folder / "accounts.csv", accounts)
    _write(folder / "posts.csv", posts)
    _write(folder / "follows.csv", follows)
    return folder
