"""The flag threshold, chosen on training sources only.

``score`` is a calibrated probability, but calibrated on the sources the model was trained on,
each weighing the same with its two labels balanced: on a new source the same score need not mean
the same odds. The threshold that turns it into ``flagged`` is therefore chosen on the training
sources' out-of-fold scores (never on the data reported on), by the figure users act on: an
audit's "N% of your followers are flagged" must be near the true share, on every source, so the
threshold minimises the mean over training sources of |flagged share - true share|, and among
near-equals keeps the one with the best mean F1 (a right share made of wrong accounts is no use).

Per platform too: what a score means differs by platform (a follower count ordinary on Instagram
is rare on 2013 Twitter), so where the training sources include the platform of an account, its
threshold is chosen on those sources alone (:func:`platform_thresholds`); the threshold over all
sources serves the platforms without a labelled source. Measured by leaving one source out
(docs/evaluation.md): cresci-stock-2018 judged at the threshold chosen on the other Twitter
source flags 52.8% for a true 51.2% (35.5% at the threshold chosen on every source).

Example::

    threshold, how = choose_threshold(frame)   # columns source, label, score
    by_platform = platform_thresholds(frame)   # ... and platform
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GRID = np.round(np.arange(0.30, 0.951, 0.01), 2)
"""Thresholds tried. Below 0.3 a flag would mean "more likely genuine than not" even on the
balanced training scale; above 0.95 almost nothing is flagged."""
SHARE_TOLERANCE = 0.01
"""Thresholds whose mean share error is within this of the best are judged equal; F1 decides."""


def _per_source(frame: pd.DataFrame, threshold: float) -> tuple[float, float]:
    errors, f1s = [], []
    for _, group in frame.groupby("source"):
        y = group["label"].to_numpy().astype(int)
        flagged = group["score"].to_numpy() >= threshold
        errors.append(abs(flagged.mean() - y.mean()))
        tp = float((flagged & (y == 1)).sum())
        denominator = float(flagged.sum() + (y == 1).sum())
        f1s.append(2 * tp / denominator if denominator else 0.0)
    return float(np.mean(errors)), float(np.mean(f1s))


def choose_threshold(frame: pd.DataFrame) -> tuple[float, dict[str, float]]:
    """The threshold and what it achieved on the training sources (out of fold).

    >>> frame = pd.DataFrame({"source": ["a"] * 4, "label": [0, 0, 1, 1],
    ...                       "score": [0.1, 0.35, 0.6, 0.9]})
    >>> choose_threshold(frame)[0]
    0.36
    """
    table = [(t, *_per_source(frame, float(t))) for t in GRID]
    best_error = min(error for _, error, _ in table)
    near = [row for row in table if row[1] <= best_error + SHARE_TOLERANCE]
    threshold, error, f1 = max(near, key=lambda row: (row[2], -row[1], -row[0]))
    return float(threshold), {
        "mean_share_error": round(error, 4),
        "mean_f1": round(f1, 4),
        "sources": float(frame["source"].nunique()),
    }


def platform_thresholds(frame: pd.DataFrame) -> dict[str, float]:
    """Per platform of ``frame`` (a ``platform`` column), the threshold chosen on its rows alone.

    >>> frame = pd.DataFrame({"source": ["a"] * 4 + ["b"] * 4, "label": [0, 0, 1, 1] * 2,
    ...                       "score": [0.1, 0.35, 0.6, 0.9, 0.1, 0.5, 0.8, 0.9],
    ...                       "platform": ["x"] * 4 + ["y"] * 4})
    >>> platform_thresholds(frame)
    {'x': 0.36, 'y': 0.51}
    """
    return {
        str(platform): choose_threshold(rows)[0]
        for platform, rows in frame.groupby("platform", sort=True)
    }
