"""Choose rule thresholds on one half of a labelled dataset, report on the other half.

The split is fixed by a hash of the account id, so anyone rerunning gets the same halves, and
the half we report on never influenced a threshold. Run:
``python -m tigerblood.learn.rule_tuning DATA [--db FILE] [--out rules.yaml]``.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from tigerblood.detectors.registry import build_detectors
from tigerblood.features.compute import compute_features
from tigerblood.ingest.pipeline import ingest
from tigerblood.learn.dataset import half_of
from tigerblood.scan import run_detectors
from tigerblood.scoring import DEFAULT_THRESHOLD, verdicts
from tigerblood.store import Store

GRID: dict[str, dict[str, list[float]]] = {
    "follow_farming": {
        "min_following": [50, 100, 150, 200],
        "max_followers_per_following": [0.1, 0.2, 0.3, 0.5],
        "max_posts": [20, 50, 100, 200],
        "min_score": [0.5, 0.6, 0.75],
    },
}


def metrics(flagged: list[bool], labels: list[int]) -> dict[str, float]:
    """Precision, recall and F1 of ``flagged`` against labels (1 = inauthentic)."""
    tp = sum(1 for f, y in zip(flagged, labels, strict=True) if f and y == 1)
    fp = sum(1 for f, y in zip(flagged, labels, strict=True) if f and y == 0)
    fn = sum(1 for f, y in zip(flagged, labels, strict=True) if not f and y == 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accounts": len(labels)}


def evaluate(
    features: pa.Table, labels: dict[tuple[str, str], int], config: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Rule-only metrics of ``flagged`` on the labelled accounts in ``features``."""
    results = verdicts(
        features, run_detectors(features, build_detectors(config)), DEFAULT_THRESHOLD
    )
    pairs = [
        (v["flagged"], labels[(v["platform"], v["account_id"])])
        for v in results
        if (v["platform"], v["account_id"]) in labels
    ]
    return metrics([p[0] for p in pairs], [p[1] for p in pairs])


def tune(features: pa.Table, labels: dict[tuple[str, str], int]) -> dict[str, dict[str, float]]:
    """The grid point with the best F1 on ``features`` (ties: higher precision, then order)."""
    best: tuple[float, float] = (-1.0, -1.0)
    best_config: dict[str, dict[str, float]] = {}
    for detector, grid in GRID.items():
        names = list(grid)
        for values in itertools.product(*grid.values()):
            config = {detector: dict(zip(names, values, strict=True))}
            m = evaluate(features, labels, config)
            if (m["f1"], m["precision"]) > best:
                best, best_config = (m["f1"], m["precision"]), config
    return best_config


def load_features(sources: list[Path], db: Path | None) -> tuple[pa.Table, dict]:
    """Feature table and labels: from an existing scan database when given, else by loading."""
    store = Store(db)
    if store.count("accounts") == 0:
        ingest(sources, store, with_labels=True)
    if store.count("labels") == 0:
        for source in sources:
            for path in source.glob("labels.*"):
                ingest([path], store, with_labels=True)
    tables = [t[0] for t in store.sql("SHOW TABLES")]
    features = (
        store.arrow("SELECT * FROM features") if "features" in tables else compute_features(store)
    )
    labels = {
        (r[0], r[1]): int(r[2]) for r in store.sql("SELECT platform, account_id, label FROM labels")
    }
    return features, labels


def main() -> None:
    """Tune on half 0, report defaults and tuned thresholds on half 1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--db", type=Path, help="DuckDB file from a previous scan --db")
    parser.add_argument("--out", type=Path, help="write the tuned thresholds as YAML")
    args = parser.parse_args()
    features, labels = load_features(args.sources, args.db)
    halves = pc.equal(pa.array([half_of(a) for a in features.column("account_id").to_pylist()]), 0)
    train, test = features.filter(halves), features.filter(pc.invert(halves))
    report: dict[str, Any] = {"default_on_test_half": evaluate(test, labels, {})}
    config = tune(train, labels)
    report["tuned_on_train_half"] = evaluate(train, labels, config)
    report["tuned_on_test_half"] = evaluate(test, labels, config)
    report["tuned_thresholds"] = config
    print(yaml.safe_dump(report, sort_keys=False))
    if args.out:
        args.out.write_text(yaml.safe_dump({"detectors": config}, sort_keys=False))


if __name__ == "__main__":
    main()
