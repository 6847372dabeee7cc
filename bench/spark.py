"""`tigerblood scan` on DuckDB and on Spark local, on Cresci-2015 at 1x and replicated Nx.

Each volume runs both engines one after the other in this run (machine noise hits both), as the
CLI runs them (a child process each), and prints wall time, peak memory and the ratio Spark /
DuckDB. Peak memory is sampled from /proc every 0.2 s: for DuckDB the scan process; for Spark the
driver (the CLI's Python process plus the JVM it starts, where local executors also run) and,
beside it, the whole process tree with the Python workers that run the steps and detectors.

The Nx copy repeats every account and post N times with ids remapped (``-r1``, ``-r2``, ...) and
each copy's posts moved 97 hours later per copy, so that copies of one post never fall in one
24-hour campaign window (that would turn every tweet into a campaign of N accounts).

Usage: python bench/spark.py [DATA_DIR] [--times N] [--skip-1x]
       (default ../shared/data/cresci-2015, N = 10)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "cresci-2015"
SHIFT_HOURS = 97


def replicate(data: Path, times: int, out: Path) -> Path:
    """The tabular folder ``data`` repeated ``times`` times with remapped ids, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    copies = f"range(0, {times}) r(i)"
    suffix = "CASE WHEN i = 0 THEN '' ELSE '-r' || i END"
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT * EXCLUDE (i) REPLACE (account_id || {suffix} AS account_id,
                                            handle || {suffix} AS handle)
              FROM read_parquet('{data}/accounts.parquet'), {copies})
        TO '{out}/accounts.parquet' (FORMAT parquet)
    """)
    con.execute(f"""
        COPY (SELECT * EXCLUDE (i) REPLACE (post_id || {suffix} AS post_id,
                                account_id || {suffix} AS account_id,
                                created_at + to_hours(i * {SHIFT_HOURS}) AS created_at)
              FROM read_parquet('{data}/posts.parquet'), {copies})
        TO '{out}/posts.parquet' (FORMAT parquet)
    """)
    con.close()
    return out


def _tree(root: int) -> dict[int, tuple[int, str]]:
    """Every live descendant of ``root`` (and itself): pid -> (parent pid, command name)."""
    procs: dict[int, tuple[int, str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        parent = int(text[text.rindex(")") + 2 :].split()[1])
        procs[int(stat.parent.name)] = (parent, name)
    keep, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, (parent, _) in procs.items() if parent == pid]
        keep.update(children)
        frontier.extend(children)
    return {p: procs[p] for p in keep if p in procs}


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak driver RSS (the process and its JVM) and peak tree RSS (MB)."""
    peaks = [0.0, 0.0]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=ROOT)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            tree = _tree(child.pid)
            sizes = {pid: _rss_mb(pid) for pid in tree}
            driver = sizes.get(child.pid, 0.0) + sum(
                size for pid, size in sizes.items() if tree[pid][1] == "java"
            )
            peaks[0] = max(peaks[0], driver)
            peaks[1] = max(peaks[1], sum(sizes.values()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4 gives this child's own resource use (its largest process, itself or a descendant
    # it waited for); RUSAGE_CHILDREN would be the largest of every run so far, so a Spark run
    # after DuckDB's would report DuckDB's peak as its own.
    _, status, usage = os.wait4(child.pid, 0)
    code = child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    # The sampler can miss a short peak of the process itself; the kernel's maximum cannot.
    own = usage.ru_maxrss / 1024
    return wall, max(peaks[0], own if "spark" not in command else 0.0), max(peaks[1], own)


def scan(data: Path, engine: str, tmp: Path) -> tuple[float, float, float]:
    """One `tigerblood scan` of ``data`` on ``engine``."""
    command = [sys.executable, "-m", "tigerblood.cli", "scan", str(data)]
    command += ["--out", str(tmp / f"{engine}.jsonl"), "--engine", engine]
    if engine == "spark":
        command += ["--tables", str(tmp / "tables")]
    return run(command)


def main() -> None:
    """Both engines at each volume; the figures, the ratios and how each grows."""
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--skip-1x", action="store_true", help="only the replicated volume")
    args = parser.parse_args()
    volumes = ([] if args.skip_1x else [1]) + ([args.times] if args.times > 1 else [])
    results: dict[int, dict[str, tuple[float, float, float]]] = {}
    for times in volumes:
        with tempfile.TemporaryDirectory(prefix="tigerblood-bench-") as name:
            tmp = Path(name)
            data = args.data if times == 1 else replicate(args.data, times, tmp / "data")
            results[times] = {engine: scan(data, engine, tmp) for engine in ("duckdb", "spark")}
        duck, spark = results[times]["duckdb"], results[times]["spark"]
        print(f"{times}x Cresci-2015")
        print(f"  duckdb: {duck[0]:8.1f} s   peak RSS {duck[1]:6,.0f} MB")
        print(
            f"  spark:  {spark[0]:8.1f} s   peak driver RSS {spark[1]:6,.0f} MB"
            f"   (with Python workers {spark[2]:6,.0f} MB)"
        )
        print(
            f"  ratio spark / duckdb: {spark[0] / duck[0]:5.2f}x time, "
            f"{spark[1] / duck[1]:5.2f}x memory"
        )
    if len(results) == 2:
        low, high = sorted(results)
        for engine in ("duckdb", "spark"):
            grow = results[high][engine][0] / results[low][engine][0]
            print(f"{engine} time {low}x -> {high}x: {grow:.2f}x")


if __name__ == "__main__":
    main()
