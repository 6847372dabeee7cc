"""People's reviews as labels: ``learn --reviews STORE`` trains on them, ``eval --reviews STORE``
measures the store's verdicts against them.

A reviewer who confirms a verdict says "this account manufactures engagement" (label 1); one who
dismisses it says "genuine" (label 0); a skip says nothing. The latest confirm or dismiss per
account counts, so a reviewer can change their mind. The features come from the same store the
reviewers judged, through the same feature expressions as any labelled source.

Caveat of the evaluation: reviewers are shown flagged accounts first, so the reviewed set leans
to flagged ones; recall here is over the reviewed accounts only, not over the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tigerblood.store import Store

LATEST_DECISIONS = """
SELECT platform, account_id, CASE decision WHEN 'confirm' THEN 1 ELSE 0 END AS label,
       'review:' || decision AS kind, 'reviews' AS source, decided_at, score AS score_then
FROM reviews WHERE decision IN ('confirm', 'dismiss')
QUALIFY row_number() OVER (PARTITION BY platform, account_id ORDER BY decided_at DESC) = 1
"""


def open_reviewed(path: Path) -> Store:
    """The store holding the reviews; it must exist (a store is never created for reading).

    Opened read-write, as ``tigerblood serve`` opens it, so that a process serving it can also
    learn from it (DuckDB shares one database between the connections of a process).
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such store")
    return Store(path)


def review_labels(store: Store) -> pd.DataFrame:
    """platform, account_id, label, kind, source of the latest confirm/dismiss per account."""
    return store.arrow(LATEST_DECISIONS).to_pandas()


def review_features(path: Path, windows: Sequence[float]) -> pd.DataFrame:
    """The reviewed accounts' feature rows (one per window) with their label, source named
    ``reviews:<file name>``; ValueError when nobody has confirmed or dismissed anything."""
    from tigerblood.learn.dataset import KEYS, window_features

    store = open_reviewed(path)
    try:
        labels = review_labels(store)
        if labels.empty:
            raise ValueError(f"{path}: no confirmed or dismissed reviews to learn from")
        features = window_features(store, windows)
    finally:
        store.close()
    joined = features.merge(labels[[*KEYS, "label"]], on=list(KEYS), how="inner")
    joined["source"] = f"reviews:{path.name}"
    return joined


def evaluate_reviews(path: Path) -> dict[str, Any]:
    """How the store's verdicts fare against the reviews: precision, recall, F1, AUC, genuine
    accounts flagged, with the counts behind them."""
    from tigerblood.learn.evaluate import scores

    store = open_reviewed(path)
    try:
        rows = store.arrow(
            f"SELECT r.label, v.score, v.flagged, r.score_then FROM ({LATEST_DECISIONS}) r "
            "JOIN verdicts v USING (platform, account_id)"
        ).to_pandas()
    finally:
        store.close()
    if rows.empty:
        raise ValueError(f"{path}: no confirmed or dismissed reviews of judged accounts")
    y = rows["label"].to_numpy(dtype=int)
    result: dict[str, Any] = scores(
        y, rows["flagged"].to_numpy(dtype=int), rows["score"].to_numpy(dtype=float)
    )
    result.update(
        reviewed=len(rows),
        confirmed=int(y.sum()),
        dismissed=int(len(y) - y.sum()),
        protocol={
            "split": "the store's current verdicts against the latest confirm or dismiss per "
            "account (skips ignored)",
            "caveat": "reviewers see flagged accounts first: recall is over reviewed accounts",
            "store": str(path),
        },
    )
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in result.items()}


def render(result: dict[str, Any]) -> str:
    """The evaluation as a few lines of text."""

    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    return "\n".join(
        [
            f"{result['protocol']['split']}: {result['reviewed']} accounts, "
            f"{result['confirmed']} confirmed, {result['dismissed']} dismissed",
            "  ".join(
                f"{m} {num(result[m])}"
                for m in ("precision", "recall", "f1", "auc", "genuine_flagged")
            ),
            f"({result['protocol']['caveat']})",
        ]
    )
