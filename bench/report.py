"""Audit and mirror of an account with 10,000 followers, against `judge` on the same store.

The data is generated (tabular layout, seeded): 10,000 followers over 180 days, 30% of them
bought-looking (follow hundreds, followed by few, never post) with most arriving in one burst,
a genuine burst of 800 on another day, 5 posts per genuine follower, 600 replies to the account,
about 2 likes of the account's posts per follower, and a reading of its follower count every
6 days (the cumulative follows).
Timed in this run: `judge(store)` (features, detectors, learned model, verdicts: the baseline
every report needs, done once per store), then the audit and the mirror, each built and rendered
to HTML and to JSON (the audit with its paragraph in plain words, the mirror with listening and
borrowed reach).
Usage: python bench/report.py [FOLLOWERS]   (default 10000; target: reports under 10 s)
"""

from __future__ import annotations

import importlib
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from tigerblood.ingest.pipeline import ingest
from tigerblood.reports.audit import audit
from tigerblood.reports.mirror import mirror
from tigerblood.reports.render import audit_html, mirror_html, to_json
from tigerblood.scan import judge
from tigerblood.store import Store

START = datetime(2024, 1, 1, tzinfo=UTC)
FAKE_SHARE, POSTS_EACH, REPLIES = 0.3, 5, 600


def _ts(seconds: np.ndarray) -> list[str]:
    return [(START + timedelta(seconds=int(s))).isoformat() for s in seconds]


def generate(folder: Path, followers: int, seed: int = 7) -> None:
    """Write accounts.csv, posts.csv, follows.csv for account ``1`` (handle ``star``)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1000, 1000 + followers)
    fake = rng.random(followers) < FAKE_SHARE
    day = rng.integers(0, 180, followers)
    day[fake & (rng.random(followers) < 0.8)] = 60  # the bought burst
    day[~fake & (rng.random(followers) < 0.1)] = 120  # a post that travelled
    accounts = pa.table(
        {
            "platform": ["twitter"] * (followers + 1),
            "account_id": ["1", *map(str, ids)],
            "handle": ["star", *(f"user{i}" for i in ids)],
            "bio": ["Writes things.", *(["<i>bio</i>"] * followers)],
            "followers_count": [
                followers + 2_000,
                *np.where(fake, 3, rng.integers(20, 900, followers)),
            ],
            "following_count": [400, *np.where(fake, 700, rng.integers(20, 140, followers))],
            "posts_count": [900, *np.where(fake, 0, rng.integers(50, 3000, followers))],
            "created_at": ["2020-01-01T00:00:00+00:00"] * (followers + 1),
            "observed_at": ["2024-07-01T00:00:00+00:00"] * (followers + 1),
        }
    )
    pcsv.write_csv(accounts, folder / "accounts.csv")
    follows = pa.table(
        {
            "platform": ["twitter"] * followers,
            "follower_id": list(map(str, ids)),
            "followee_id": ["1"] * followers,
            "created_at": _ts(day * 86_400 + rng.integers(0, 86_400, followers)),
            "action": ["follow"] * followers,
        }
    )
    pcsv.write_csv(follows, folder / "follows.csv")
    genuine = ids[~fake]
    authors = np.concatenate([np.repeat(genuine, POSTS_EACH), np.ones(300, dtype=int)])
    n = len(authors)
    texts = [f"note {i} on topic {i % 97}" for i in range(n)]
    reply_to = [""] * n
    repliers = rng.choice(genuine, REPLIES)
    texts += [f"@star good point {i} see https://example.org/{i % 5}" for i in range(REPLIES)]
    reply_to += ["1"] * REPLIES
    authors = np.concatenate([authors, repliers])
    posts = pa.table(
        {
            "platform": ["twitter"] * len(authors),
            "post_id": [f"p{i}" for i in range(len(authors))],
            "account_id": list(map(str, authors)),
            "created_at": _ts(rng.integers(0, 180 * 86_400, len(authors))),
            "text": texts,
            "reply_to_account_id": reply_to,
        }
    )
    pcsv.write_csv(posts, folder / "posts.csv")
    own = [f"p{i}" for i, a in enumerate(authors) if a == 1]
    per = rng.poisson(2, followers)
    likers = np.repeat(ids, per)
    likes = pa.table(
        {
            "platform": ["twitter"] * len(likers),
            "account_id": list(map(str, likers)),
            "post_id": list(rng.choice(own, len(likers))),
            "post_account_id": ["1"] * len(likers),
        }
    )
    pcsv.write_csv(likes, folder / "likes.csv")
    readings = np.arange(0, 181, 6)
    snapshots = pa.table(
        {
            "platform": ["twitter"] * len(readings),
            "account_id": ["1"] * len(readings),
            "observed_at": _ts(readings * 86_400),
            "followers_count": [2_000 + int((day < d).sum()) for d in readings],
        }
    )
    pcsv.write_csv(snapshots, folder / "account_snapshots.csv")


def timed(label: str, fn, *args):
    """Run ``fn(*args)``, print and return (result, seconds)."""
    start = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - start
    print(f"{label:<34}{seconds:8.2f} s")
    return result, seconds


def _preload() -> None:
    """Import the learned detector's stack (lightgbm, sklearn) outside the timings: a one-off
    cost per process that says nothing about judging or reporting."""
    for name in ("tigerblood.learn.combine", "tigerblood.learn.detector"):
        try:
            importlib.import_module(name)
        except ImportError:  # an older checkout without the learned model
            return


def main() -> None:
    """Generate, load, then time judge (baseline) and the two reports."""
    followers = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, followers)
        store = Store()
        timed(f"ingest ({followers:,} followers)", ingest, [folder], store)
        timed("import the learned model (once)", _preload)
        _, baseline = timed("baseline: judge(store)", judge, store)
        report, t_audit = timed("audit(store, 'star')", audit, store, "star")
        html, t_html = timed("  audit HTML", audit_html, report)
        _, t_json = timed("  audit JSON", to_json, report)
        mreport, t_mirror = timed("mirror(store, 'star')", mirror, store, "star")
        mhtml, t_mhtml = timed("  mirror HTML", mirror_html, mreport)
        _, t_mjson = timed("  mirror JSON", to_json, mreport)
    reports = t_audit + t_html + t_json + t_mirror + t_mhtml + t_mjson
    print(f"{'both reports':<34}{reports:8.2f} s   (target < 10 s)")
    print(f"{'judge + both reports':<34}{baseline + reports:8.2f} s")
    print(f"{'ratio reports / judge':<34}{reports / baseline:8.2f}x")
    print(
        f"audit: {len(report.followers.members):,} followers, "
        f"{len(report.growth.bursts)} bursts {[b.kind for b in report.growth.bursts]}, "
        f"{report.likes_received:,} likes ({len(report.flagged_likes):,} flagged), "
        f"count anomalies {[(i.anomaly, i.kind) for i in report.count_growth.anomalies]}, "
        f"HTML {len(html) / 1e6:.1f} MB; mirror HTML {len(mhtml) / 1e3:.0f} kB"
    )
    print("audit in plain words:", " ".join(report.plain_words()))
    top = mreport.ranked()[0]
    print(f"mirror's first line: {top.behaviour.feature} ({top.standing})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
