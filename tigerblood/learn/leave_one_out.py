"""Leave one source out: the figure a user on another platform or year can trust.

In-domain cross-validation says how well tigerblood remembers the kind of data it was trained on
(Cresci-2015: F1 0.99); a user's data is another platform, another year, another way of
collecting. So for each labelled source in turn, the model is trained on every *other* source
(each weighted the same, :func:`tigerblood.learn.model.source_weights`), the flag threshold is
chosen on those training sources only, and the held-out source is judged by the whole scorer,
exactly as ``scan`` judges: the rule detectors, the model, and their combination
(:mod:`tigerblood.learn.combine`), every account seen as the source gives it (all its posts, its
profile counts). Reported per source: ROC AUC of the score, precision, recall, F1, and the share
of accounts flagged beside the true share of inauthentic ones (what an audit's headline "N% of
your followers are flagged" is worth), then their means.

Beside the flagged share, the **expected share**: the mean score. ``score`` is a calibrated
probability, so its mean is the expected share of inauthentic accounts (classify-and-count with
probabilities, Bella et al. 2010), with no threshold to carry from one source to another: the
flagged share moves with where a threshold chosen on other sources happens to cut this source's
scores, the expected share only with how well the probabilities transfer. Both errors are
reported; the audit quotes both with their measured error.

Example::

    frame = load_features(sources, cache=Path(".cache/features"))
    result = leave_one_out(frame, seed=0)
    result["mean_auc"], [s["flagged_share"] - s["true_share"] for s in result["sources"]]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from tigerblood.detectors.norms import Norms, build_norms
from tigerblood.detectors.registry import build_detectors
from tigerblood.learn.combine import MODEL_PATTERNS, model_verdicts
from tigerblood.learn.dataset import KEYS, TrainingData, assemble
from tigerblood.learn.detector import LearnedDetector
from tigerblood.learn.model import LearnedModel, package_version
from tigerblood.learn.thresholds import choose_threshold, platform_thresholds
from tigerblood.scan import run_detectors

SUMMARY_METRICS = (
    "auc",
    "precision",
    "recall",
    "f1",
    "flagged_share",
    "expected_share",
    "true_share",
)


def full_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Each account once, as ``scan`` sees it: all its posts and its profile counts."""
    if "posts_window" not in frame.columns:
        return frame.reset_index(drop=True)
    keep = np.isinf(frame["posts_window"].astype("float64")) & frame["profile_counts"].astype(bool)
    return frame[keep].reset_index(drop=True)


def training_data(frame: pd.DataFrame) -> TrainingData:
    """The labelled feature rows of ``frame`` (every view) as training data."""
    return assemble(frame.drop(columns=["label"]), frame[[*KEYS, "label"]])


def fit_model(data: TrainingData, seed: int = 0) -> LearnedModel:
    """The model as ``make model`` fits it: every view, each source weighing the same."""
    model = LearnedModel(seed=seed).fit(data.X, data.y, data.groups, data.sources)
    model.judges_profiles = bool((data.window == 0).any() or data.postless_accounts)
    model.platforms = sorted(set(data.keys["platform"].astype(str)))
    return model


def norms_of(frame: pd.DataFrame) -> Norms:
    """Platform norms from the labelled accounts of ``frame`` (all posts, counts declared)."""
    return build_norms(full_view(frame))


def score_like_scan(
    accounts: pd.DataFrame, model: LearnedModel, threshold: float | None, norms: Norms
) -> list[dict[str, Any]]:
    """Verdicts for ``accounts`` (feature rows, all posts) from the rules and ``model``,
    combined as ``scan`` combines them (``threshold`` None: the model's per platform)."""
    table = pa.Table.from_pandas(
        accounts.drop(
            columns=[
                c
                for c in ("label", "source", "posts_window", "profile_counts")
                if c in accounts.columns
            ]
        ),
        preserve_index=False,
    )
    findings = run_detectors(table, build_detectors(norms=norms))
    return model_verdicts(table, findings, LearnedDetector(model=model), threshold)


def source_scores(y: np.ndarray, score: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """AUC, precision, recall, F1, flagged share, expected share (mean score) and true share of
    one held-out source."""
    return {
        "auc": float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else float("nan"),
        "precision": float(precision_score(y, flagged, zero_division=0)),
        "recall": float(recall_score(y, flagged, zero_division=0)),
        "f1": float(f1_score(y, flagged, zero_division=0)),
        "flagged_share": float(np.mean(flagged)),
        "expected_share": float(np.mean(score)),
        "true_share": float(np.mean(y)),
        "genuine_flagged": float(np.mean(flagged[y == 0])) if (y == 0).any() else float("nan"),
    }


def out_of_fold_scan_scores(
    frame: pd.DataFrame, data: TrainingData, model: LearnedModel, norms: Norms
) -> pd.DataFrame:
    """The training sources' accounts scored as ``scan`` would, but with the model's
    out-of-fold probability (each account scored by calibration-fold trees that never saw it),
    so a threshold chosen on them is not chosen on what the model memorised."""
    assert model.oof_raw is not None
    rows = np.flatnonzero(np.isinf(data.window) & data.counts)
    oof = pd.DataFrame(
        {
            "source": data.sources[rows],
            "platform": data.keys["platform"].to_numpy()[rows],
            "account_id": data.keys["account_id"].to_numpy()[rows],
            "p": model.calibrate(model.oof_raw[rows]),
            "label": data.y[rows],
        }
    )
    accounts = full_view(frame)
    table = pa.Table.from_pandas(
        accounts[[c for c in accounts.columns if c not in ("label", "source")]],
        preserve_index=False,
    )
    unseen: dict[tuple[str, str], float] = {}
    for finding in run_detectors(table, build_detectors(norms=norms)):
        if finding.pattern not in MODEL_PATTERNS:
            key = (finding.platform, finding.account_id)
            unseen[key] = max(unseen.get(key, 0.0), finding.score)
    rules = pd.DataFrame([(p, a, s) for (p, a), s in unseen.items()], columns=[*KEYS, "unseen"])
    joined = oof.merge(rules, on=list(KEYS), how="left")
    joined["score"] = np.maximum(joined["p"], joined["unseen"].fillna(0.0))
    return joined


def leave_one_out(
    frame: pd.DataFrame, seed: int = 0, held_out: Sequence[str] | None = None
) -> dict[str, Any]:
    """Train on all sources but one, judge the one left out, for each source in turn.

    ``frame`` is :func:`tigerblood.learn.dataset.load_features` over every source (its
    ``source`` column names them); ``held_out`` limits which sources are left out in turn.
    """
    names = list(dict.fromkeys(frame["source"].tolist()))
    if len(names) < 2:
        raise ValueError("leave-one-out needs at least two labelled sources")
    results: list[dict[str, Any]] = []
    for name in held_out or names:
        train_frame = frame[frame["source"] != name]
        data = training_data(train_frame)
        model = fit_model(data, seed)
        norms = norms_of(train_frame)
        oof = out_of_fold_scan_scores(train_frame, data, model, norms)
        model.threshold, choice = choose_threshold(oof)
        model.platform_thresholds = platform_thresholds(oof)
        test = full_view(frame[frame["source"] == name])
        platform = str(test["platform"].iloc[0])
        threshold = model.threshold_for(platform)
        threshold_from = "all training sources"
        if platform in model.platform_thresholds:
            threshold_from = f"the {platform} training sources"
            choice = choose_threshold(oof[oof["platform"] == platform])[1]
        verdicts = score_like_scan(test, model, None, norms)
        by_key = {(v["platform"], v["account_id"]): v for v in verdicts}
        ordered = [
            by_key[(p, a)] for p, a in zip(test["platform"], test["account_id"], strict=True)
        ]
        y = test["label"].astype(int).to_numpy()
        score = np.array([v["score"] for v in ordered])
        flagged = np.array([v["flagged"] for v in ordered], dtype=int)
        results.append(
            {
                "source": name,
                "trained_on": [n for n in names if n != name],
                "accounts": len(test),
                "threshold": round(threshold, 4),
                "threshold_from": threshold_from,
                "threshold_choice": choice,
                **source_scores(y, score, flagged),
                "scored_by_rules": sum(1 for v in ordered if v.get("scored_by") == "rules"),
            }
        )
    out: dict[str, Any] = {"sources": results}
    for metric in SUMMARY_METRICS:
        out[f"mean_{metric}"] = float(np.mean([r[metric] for r in results]))
    out["mean_share_error"] = float(
        np.mean([abs(r["flagged_share"] - r["true_share"]) for r in results])
    )
    out["mean_expected_share_error"] = float(
        np.mean([abs(r["expected_share"] - r["true_share"]) for r in results])
    )
    out["protocol"] = {
        "split": "leave one source out: train on the others, report on the one left out",
        "scorer": "rules + learned model combined as scan combines them, all posts and counts",
        "threshold": (
            "chosen on the training sources' out-of-fold scores only: those of the left-out "
            "source's platform where there are any, else all of them"
        ),
        "weighting": "each training source weighs the same; each label half of its source",
        "seed": seed,
        "tigerblood_version": package_version(),
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
    }
    return out


def render(result: dict[str, Any]) -> str:
    """The leave-one-out table as plain text."""
    header = (
        f"{'left out':<22}{'AUC':>7}{'prec':>7}{'recall':>7}{'F1':>7}{'flagged':>9}"
        f"{'expected':>9}{'true':>7}"
    )
    lines = [result["protocol"]["split"], header]
    for r in result["sources"]:
        lines.append(
            f"{r['source']:<22}{r['auc']:>7.3f}{r['precision']:>7.3f}{r['recall']:>7.3f}"
            f"{r['f1']:>7.3f}{r['flagged_share']:>9.3f}{r['expected_share']:>9.3f}"
            f"{r['true_share']:>7.3f}   threshold {r['threshold']:.2f}"
        )
    lines.append(
        f"{'mean':<22}{result['mean_auc']:>7.3f}{result['mean_precision']:>7.3f}"
        f"{result['mean_recall']:>7.3f}{result['mean_f1']:>7.3f}"
        f"{result['mean_flagged_share']:>9.3f}{result['mean_expected_share']:>9.3f}"
        f"{result['mean_true_share']:>7.3f}"
    )
    return "\n".join(lines)
