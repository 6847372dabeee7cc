"""Learned model: training time on the Cresci-2015 feature table, and scoring throughput with the
model on against rules only, measured in the same run (DESIGN §6).

    python bench/learn.py [--cache .cache/features] [--data ../shared/data/cresci-2015]

The feature table is computed once (or read from the folder ``make model`` caches it in): this
measures the learned step, not ingestion, which ``bench/`` measures elsewhere. Scoring is also
timed with the rule detectors of before issue 14 (without ``follow_harvesting``,
``promotional_broadcast`` and ``link_mention_spam``) beside today's, in the same run.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from tigerblood.detectors.registry import build_detectors
from tigerblood.learn.combine import model_verdicts
from tigerblood.learn.dataset import assemble, load_features
from tigerblood.learn.detector import LearnedDetector
from tigerblood.learn.model import LearnedModel
from tigerblood.scan import run_detectors
from tigerblood.scoring import verdicts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cresci-2015"
NEW_DETECTORS = frozenset({"follow_harvesting", "promotional_broadcast", "link_mention_spam"})
"""The rule detectors issue 14 added, timed apart so their cost is visible."""


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Fastest wall time of ``runs`` runs: the machine is shared, the minimum is the signal."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Print training time, throughput of both paths, their ratio, and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "features")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped one)")
    parser.add_argument("--copies", type=int, default=4, help="feature table repeated N times")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    joined = load_features([args.data], args.cache)
    data = assemble(joined.drop(columns=["label"]), joined[["platform", "account_id", "label"]])
    print(
        f"feature table: {data.accounts} accounts as {len(data)} post-window rows, "
        f"{data.X.shape[1]} model features"
    )

    fit_s = best_of(1, lambda: LearnedModel(seed=0).fit(data.X, data.y, data.groups, data.sources))
    one = LearnedModel(seed=0)
    booster_s = best_of(args.runs, lambda: one._train(data.X, data.y, None))
    print(
        f"training: {fit_s:.2f} s with calibration (5 out-of-fold fits + final), "
        f"{booster_s:.2f} s for one 200-tree booster"
    )

    full = joined[np.isinf(joined["posts_window"]) & joined["profile_counts"]].drop(
        columns=["label", "posts_window", "profile_counts", "source"]
    )
    table = pa.Table.from_pandas(full, preserve_index=False)
    table = pa.concat_tables([table] * args.copies)
    n = table.num_rows
    rules = [d for d in build_detectors() if d.name != "learned_model"]
    before = [d for d in rules if d.name not in NEW_DETECTORS]
    detector = LearnedDetector(args.model) if args.model else LearnedDetector()

    before_s = best_of(args.runs, lambda: verdicts(table, run_detectors(table, before)))
    rules_s = best_of(args.runs, lambda: verdicts(table, run_detectors(table, rules)))
    predict_s = best_of(args.runs, lambda: detector.predict(table))
    model_s = best_of(
        args.runs, lambda: model_verdicts(table, run_detectors(table, rules), detector)
    )
    print(f"scoring {n} accounts (best of {args.runs}):")
    print(
        f"  rules before issue 14 ({len(before)} detectors):     {n / before_s:>10,.0f} accounts/s"
    )
    print(
        f"  rules only ({len(rules)} rule detectors + verdicts):   {n / rules_s:>10,.0f} accounts/s"
    )
    print(f"  ratio new rules / old rules:                {rules_s / before_s:>10.2f}x")
    print(f"  model probability only:                     {n / predict_s:>10,.0f} accounts/s")
    print(f"  model on (rules + model + explanations):    {n / model_s:>10,.0f} accounts/s")
    print(f"  ratio rules-only / model-on:                {model_s / rules_s:>10.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
