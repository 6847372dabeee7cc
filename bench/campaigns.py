"""Campaign clustering (`find_campaigns`) on 1 M posts against a plain exact-duplicate GROUP BY.

The baseline is the cheapest thing that finds any campaign at all: DuckDB grouping the same posts
by exact text and by exact link, keeping groups posted by 5+ accounts. Both run in this process,
one after the other, on the same in-memory store, so machine noise hits both. Prints both wall
times, their ratio, and the clustering's peak memory (max RSS of this process).

Usage: python bench/campaigns.py [--db STORE.duckdb] [--posts N] [--include-reposts]
  --db     a store written by `tigerblood scan --db` (posts with links extracted); default: the
           Cresci-2015 posts.parquet, with links read from the text by a regular expression.
  --posts  how many posts (default 1,000,000).
  --include-reposts  cluster retweets too (the heavier case: a third of Cresci's posts are RTs).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas  # noqa: F401  (imported by the scan anyway; keep its import out of the timing)

from tigerblood.campaigns import find_campaigns
from tigerblood.store import Store

ROOT = Path(__file__).resolve().parents[1]
PARQUET = ROOT.parent / "shared" / "data" / "cresci-2015" / "posts.parquet"


def load(store: Store, db: Path | None, n: int) -> None:
    """The first ``n`` posts into ``store``."""
    if db is not None:
        store.sql(f"ATTACH '{db}' AS src (READ_ONLY)")
        store.sql(f"INSERT INTO posts SELECT * FROM src.posts LIMIT {n}")
        store.sql("DETACH src")
        return
    store.sql(f"""
        INSERT INTO posts BY NAME
        SELECT platform, post_id, account_id, created_at, text,
               regexp_extract_all(text, 'https?://[^\\s]+') AS urls
        FROM read_parquet('{PARQUET}') LIMIT {n}
    """)


def exact_duplicates(store: Store) -> float:
    """Exact text and exact link groups posted by 5+ accounts: the floor."""
    start = time.perf_counter()
    store.sql("""
        SELECT text, count(DISTINCT account_id) FROM posts WHERE text IS NOT NULL
        GROUP BY text HAVING count(DISTINCT account_id) >= 5
    """)
    store.sql("""
        SELECT url, count(DISTINCT account_id)
        FROM (SELECT account_id, unnest(urls) AS url FROM posts)
        GROUP BY url HAVING count(DISTINCT account_id) >= 5
    """)
    return time.perf_counter() - start


def main() -> None:
    """Run both, print the figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--include-reposts", action="store_true", help="cluster retweets too")
    args = parser.parse_args()
    store = Store()
    load(store, args.db, args.posts)
    posts = store.count("posts")
    baseline = exact_duplicates(store)
    start = time.perf_counter()
    found = find_campaigns(store, include_reposts=args.include_reposts)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    members = store.sql("SELECT count(DISTINCT (platform, account_id)) FROM campaign_members")
    print(f"posts:                          {posts:>12,}")
    print(f"exact-duplicate GROUP BY:       {baseline:8.2f} s")
    print(f"find_campaigns:                 {wall:8.2f} s   peak RSS {peak_mb:,.0f} MB")
    print(f"ratio find_campaigns / GROUP BY:{wall / baseline:8.1f}x")
    print(f"campaigns found:                {found:>12,}  ({members[0][0]:,} accounts)")


if __name__ == "__main__":
    main()
