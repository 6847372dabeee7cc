"""End-to-end `tigerblood scan` on Cresci-2015 against a bare DuckDB aggregate of the same files.

Prints both wall times, their ratio, and the scan's peak memory (max RSS of the child process).
Both run in this process's run, one after the other, so machine noise hits both.
Usage: python bench/scan.py [DATA_DIR]   (default ../shared/data/cresci-2015)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "cresci-2015"


def bare_duckdb() -> float:
    """Per-account aggregate of posts joined to accounts: the floor for reading these files."""
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"""
        SELECT a.account_id, count(p.post_id), count(DISTINCT p.text),
               min(p.created_at), max(p.created_at), any_value(a.followers_count)
        FROM read_parquet('{DATA}/accounts.parquet') a
        LEFT JOIN read_parquet('{DATA}/posts.parquet') p USING (account_id)
        GROUP BY a.account_id
    """).fetchall()
    return time.perf_counter() - start


def tigerblood_scan() -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `tigerblood scan` on the folder."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tigerblood.cli", "scan", str(DATA), "--out", f"{tmp}/v.jsonl"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kb / 1024


def main() -> None:
    """Run both, print the figures and the ratio."""
    baseline = bare_duckdb()
    wall, peak_mb = tigerblood_scan()
    print(f"bare DuckDB aggregate: {baseline:8.2f} s")
    print(f"tigerblood scan:       {wall:8.2f} s   peak RSS {peak_mb:,.0f} MB")
    print(f"ratio scan / bare:     {wall / baseline:8.1f}x")


if __name__ == "__main__":
    main()
