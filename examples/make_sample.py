"""Rebuild examples/cresci-2015-sample from ../shared/data/cresci-2015 (reproducible, < 5 MB).

Picks accounts by a hash of their id (no look at their behaviour), both classes, and keeps each
account's latest 150 posts so the sample stays small. Run: python examples/make_sample.py
"""

from __future__ import annotations

from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "cresci-2015"
OUT = ROOT / "examples" / "cresci-2015-sample"
PER_CLASS = 60
POSTS_PER_ACCOUNT = 150


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE picked AS
        SELECT platform, account_id, label, kind, source
        FROM read_csv('{SHARED}/labels.csv', all_varchar=true)
        QUALIFY row_number() OVER (PARTITION BY label ORDER BY md5(account_id)) <= {PER_CLASS}
    """).fetchall()
    con.execute(f"""COPY (SELECT a.* FROM read_parquet('{SHARED}/accounts.parquet') a
        JOIN picked USING (account_id) ORDER BY account_id)
        TO '{OUT}/accounts.parquet'""").fetchall()
    con.execute(f"""COPY (SELECT * FROM (SELECT p.* FROM read_parquet('{SHARED}/posts.parquet') p
        JOIN picked USING (account_id)
        QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY created_at DESC)
            <= {POSTS_PER_ACCOUNT})
        ORDER BY account_id, created_at) TO '{OUT}/posts.parquet' (COMPRESSION zstd)""").fetchall()
    con.execute(f"COPY (SELECT * FROM picked ORDER BY account_id) TO '{OUT}/labels.csv'").fetchall()


if __name__ == "__main__":
    main()
