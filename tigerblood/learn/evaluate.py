# ruff: noqa: N803  (X for a feature matrix, y for labels: the scikit-learn convention)
"""The evaluation harness: cross-validation by account, held-out sets, baselines, calibration.

The protocol is fixed so figures can be compared and rerun (DESIGN §6): one row per account, so
splitting rows splits accounts; StratifiedKFold with a stated seed; every baseline runs on the
same folds in the same run; the model is refitted (with its own inner calibration folds) inside
each training fold, so no held-out account ever touches training or calibration. The calibration
check uses only held-out predictions.

Example::

    data = load_dataset([Path("../shared/data/cresci-2015")])
    result = cross_validate(data.X, data.y, data.keys, folds=5, seed=0)
    result["f1"], result["std"]["f1"], result["baselines"]["simple_rule"]["f1"]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    brier_score_loss,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold

from tigerblood.learn.baselines import all_baselines, baseline_frame
from tigerblood.learn.dataset import TrainingData, load_dataset
from tigerblood.learn.model import LearnedModel, package_version, shift_prevalence

METRICS = ("precision", "recall", "f1", "auc", "mcc")
THRESHOLD = 0.5
"""A calibrated probability of 0.5 or more counts as a prediction of "inauthentic"."""
CHECK_PREVALENCE = 0.10
CHECK_DRAWS = 20

PUBLISHED: list[dict[str, Any]] = [
    {"method": "LOBO (Echeverría et al. 2018)", "f1": 0.9876, "std": 0.0026},
    {"method": "Lee et al. 2011", "f1": 0.9856, "std": 0.0011},
    {"method": "SGBot (Yang et al. 2020, the BotometerLite method)", "f1": 0.7791, "std": 0.0013},
    {"method": "Botometer (API)", "f1": 0.669, "std": None},
]
"""F1 on Cresci-2015 in the TwiBot-22 benchmark (Feng et al., NeurIPS 2022 Datasets and
Benchmarks; README of LuoUndergradXJTU/TwiBot-22): their split, their features, mean ± std of
five runs. The protocol differs from ours (see docs/evaluation.md)."""


def scores(y: np.ndarray, labels: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1, ROC AUC and MCC of predictions against labels."""
    y = np.asarray(y)
    auc = float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else float("nan")
    return {
        "precision": float(precision_score(y, labels, zero_division=0)),
        "recall": float(recall_score(y, labels, zero_division=0)),
        "f1": float(f1_score(y, labels, zero_division=0)),
        "auc": auc,
        "mcc": float(matthews_corrcoef(y, labels)),
    }


def summarize(per_fold: list[dict[str, float]]) -> dict[str, Any]:
    """Means at the top level, standard deviations (ddof 0) under ``std``, folds kept."""
    out: dict[str, Any] = {m: float(np.mean([f[m] for f in per_fold])) for m in METRICS}
    out["std"] = {m: float(np.std([f[m] for f in per_fold])) for m in METRICS}
    out["folds"] = per_fold
    return out


def _fit_and_score(
    train: TrainingData, test: TrainingData, seed: int, model_kwargs: dict[str, Any]
) -> tuple[dict[str, float], np.ndarray, dict[str, dict[str, float]], float]:
    model = LearnedModel(seed=seed, **model_kwargs).fit(train.X, train.y)
    p = model.predict_proba(test.X)
    result = scores(test.y, (p >= THRESHOLD).astype(int), p)
    train_frame, test_frame = baseline_frame(train), baseline_frame(test)
    base = {}
    for baseline in all_baselines(seed):
        labels, score = baseline.fit(train_frame, train.y).predict(test_frame)
        base[baseline.name] = scores(test.y, labels, score)
    return result, p, base, model.prevalence


def cross_validate(
    X: pd.DataFrame,
    y: np.ndarray,
    keys: pd.DataFrame,
    folds: int = 5,
    seed: int = 0,
    context: pd.DataFrame | None = None,
    **model_kwargs: Any,
) -> dict[str, Any]:
    """K-fold CV by account of the model and every baseline, plus the calibration check.

    ``context`` (the excluded count columns) lets rule baselines that count posts run; without
    it those criteria are judged unknown.
    """
    data = TrainingData(
        X.reset_index(drop=True),
        np.asarray(y, dtype=int),
        keys.reset_index(drop=True),
        context if context is not None else pd.DataFrame(index=range(len(y))),
    )
    oof = np.full(len(data), np.nan)
    model_folds: list[dict[str, float]] = []
    base_folds: dict[str, list[dict[str, float]]] = {}
    prevalences = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, test_rows in splitter.split(data.X, data.y):
        result, p, base, prevalence = _fit_and_score(
            data.subset(train_rows), data.subset(test_rows), seed, model_kwargs
        )
        oof[test_rows] = p
        model_folds.append(result)
        prevalences.append(prevalence)
        for name, value in base.items():
            base_folds.setdefault(name, []).append(value)
    out = summarize(model_folds)
    out["baselines"] = {name: summarize(values) for name, values in base_folds.items()}
    out["calibration"] = calibration_check(data.y, oof, float(np.mean(prevalences)), seed)
    out["protocol"] = protocol(data, f"{folds}-fold stratified CV by account", seed)
    return out


def holdout(
    train: TrainingData,
    test: TrainingData,
    seed: int = 0,
    description: str = "train on one set, test on another",
    **model_kwargs: Any,
) -> dict[str, Any]:
    """Fit on ``train``, score ``test``: the model and every baseline, plus the check."""
    result, p, base, prevalence = _fit_and_score(train, test, seed, model_kwargs)
    out: dict[str, Any] = {**result, "baselines": base}
    out["calibration"] = calibration_check(test.y, p, prevalence, seed)
    out["protocol"] = protocol(test, description, seed)
    out["protocol"]["train_accounts"] = len(train)
    return out


def halves(data: TrainingData, seed: int = 0, **model_kwargs: Any) -> dict[str, Any]:
    """Train on :func:`~tigerblood.learn.dataset.half_of` 0, test on half 1."""
    from tigerblood.learn.dataset import half_of

    half = np.array([half_of(a) for a in data.keys["account_id"]])
    return holdout(
        data.subset(np.flatnonzero(half == 0)),
        data.subset(np.flatnonzero(half == 1)),
        seed,
        "train on sha256 half 0, test on half 1",
        **model_kwargs,
    )


def train_test(
    train_sources: Sequence[Path],
    test_sources: Sequence[Path],
    seed: int = 0,
    cache: tuple[Path | None, Path | None] = (None, None),
) -> dict[str, Any]:
    """Load labelled train and test sources and run :func:`holdout` (e.g. across data sets)."""
    train = load_dataset(train_sources, cache[0])
    test = load_dataset(test_sources, cache[1])
    return holdout(
        train,
        test,
        seed,
        f"train on {', '.join(map(str, train_sources))}; "
        f"test on {', '.join(map(str, test_sources))}",
    )


def calibration_check(
    y: np.ndarray,
    p: np.ndarray,
    trained_prevalence: float,
    seed: int,
    prevalence: float = CHECK_PREVALENCE,
    draws: int = CHECK_DRAWS,
) -> dict[str, Any]:
    """Held-out probabilities on subsamples with ``prevalence`` inauthentic accounts.

    Every genuine account is kept; inauthentic ones are drawn to make up ``prevalence``. Two
    readings: the score as trained (calibrated to the training share of fakes, so it should
    overshoot here) and the score moved to the subsample's prevalence by Bayes' rule. Averaged
    over ``draws`` random subsamples.
    """
    y, p = np.asarray(y), np.asarray(p)
    genuine, fake = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    n_fake = min(len(fake), round(len(genuine) * prevalence / (1 - prevalence)))
    if n_fake == 0 or len(genuine) == 0:
        return {"skipped": "needs held-out accounts of both labels"}
    rng = np.random.default_rng(seed)
    rows: dict[str, list[dict[str, float]]] = {"as_trained": [], "prevalence_adjusted": []}
    for _ in range(draws):
        pick = np.concatenate([genuine, rng.choice(fake, n_fake, replace=False)])
        yy, pp = y[pick], p[pick]
        for key, probs in (
            ("as_trained", pp),
            ("prevalence_adjusted", shift_prevalence(pp, trained_prevalence, float(yy.mean()))),
        ):
            flagged = (probs >= THRESHOLD).astype(int)
            rows[key].append(
                {
                    "mean_score": float(probs.mean()),
                    "brier": float(brier_score_loss(yy, probs)),
                    "precision": float(precision_score(yy, flagged, zero_division=0)),
                    "recall": float(recall_score(yy, flagged, zero_division=0)),
                }
            )
    out: dict[str, Any] = {
        "accounts": int(len(genuine) + n_fake),
        "observed_rate": float(n_fake / (len(genuine) + n_fake)),
        "draws": draws,
        "trained_prevalence": trained_prevalence,
    }
    for key, values in rows.items():
        out[key] = {m: float(np.mean([v[m] for v in values])) for m in values[0]}
    out["brier_of_constant_rate"] = float(out["observed_rate"] * (1 - out["observed_rate"]))
    return out


def protocol(data: TrainingData, split: str, seed: int) -> dict[str, Any]:
    """What was measured, on what, how: stored with every result."""
    return {
        "split": split,
        "seed": seed,
        "accounts": len(data),
        "inauthentic": int(data.y.sum()),
        "features": list(data.X.columns),
        "threshold": THRESHOLD,
        "model": {
            "num_trees": LearnedModel.NUM_TREES,
            "num_leaves": LearnedModel.PARAMS["num_leaves"],
            "calibration": "sigmoid (Platt) on 5-fold out-of-fold log-odds",
        },
        "tigerblood_version": package_version(),
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
    }


def render(result: dict[str, Any]) -> str:
    """A plain-text report of a result from :func:`cross_validate` or :func:`holdout`."""

    def row(name: str, r: dict[str, Any]) -> str:
        std = r.get("std")
        cells = [f"{r[m]:.4f}" + (f" ±{std[m]:.4f}" if std else "") for m in METRICS]
        return f"{name:<24}" + "".join(f"{c:>18}" for c in cells)

    proto = result["protocol"]
    lines = [
        f"{proto['split']}, seed {proto['seed']}: {proto['accounts']} accounts, "
        f"{proto['inauthentic']} inauthentic",
        f"{'':<24}" + "".join(f"{m:>18}" for m in METRICS),
        row("learned_model", result),
    ]
    lines += [row(name, r) for name, r in result["baselines"].items()]
    cal = result["calibration"]
    if "skipped" not in cal:
        lines.append(
            f"calibration at {cal['observed_rate']:.0%} inauthentic "
            f"({cal['accounts']} held-out accounts, {cal['draws']} draws):"
        )
        for key in ("as_trained", "prevalence_adjusted"):
            c = cal[key]
            lines.append(
                f"  {key:<20} mean score {c['mean_score']:.3f}  Brier {c['brier']:.4f}"
                f"  precision {c['precision']:.3f}  recall {c['recall']:.3f}"
            )
        lines.append(
            f"  (Brier of always predicting the rate: {cal['brier_of_constant_rate']:.4f})"
        )
    return "\n".join(lines)


def card_path(model_path: Path) -> Path:
    """Where a model's Markdown card goes: ``x.json`` -> ``x_card.md``."""
    return model_path.with_name(f"{model_path.stem}_card.md")


def learn_command(
    sources: Sequence[Path], out: Path, *, seed: int = 0, cache: Path | None = None
) -> dict[str, Any]:
    """``tigerblood learn``: fit on labelled sources, write the model and its card.

    The card's figures are the out-of-fold predictions the calibration was fitted on: honest for
    ranking (AUC), slightly flattering for the thresholded ones. ``tigerblood eval`` runs the
    full protocol with baselines.
    """
    from tigerblood.learn.card import build_card, render_card

    data = load_dataset(sources, cache)
    model = LearnedModel(seed=seed).fit(data.X, data.y)
    assert model.oof_raw is not None
    p = model.calibrate(model.oof_raw)
    oof = scores(data.y, (p >= THRESHOLD).astype(int), p)
    evaluation = {
        **oof,
        "baselines": {},
        "protocol": protocol(data, "out-of-fold predictions of the calibration folds", seed),
    }
    model.card = build_card(model, data, sources, evaluation)
    model.save(out)
    card_path(out).write_text(render_card(model.card), encoding="utf-8")
    return {
        "model": str(out),
        "card": str(card_path(out)),
        "accounts": len(data),
        "inauthentic": int(data.y.sum()),
        "out_of_fold": oof,
    }


def eval_command(
    sources: Sequence[Path],
    folds: int = 5,
    seed: int = 0,
    as_json: bool = False,
    train: Sequence[Path] | None = None,
    test: Sequence[Path] | None = None,
    *,
    cache: Path | None = None,
) -> dict[str, Any]:
    """``tigerblood eval``: K-fold CV on ``sources``, or ``train`` -> ``test`` when both given.

    Returns the result dict (``precision``, ``recall``, ``f1``, ``auc``, ``mcc`` are the model's
    means, ``std``, ``folds``, ``baselines``, ``calibration``, ``protocol``, ``published``);
    unless ``as_json``, it also carries ``text``, the report to print.
    """
    if train and test:
        result = train_test(train, test, seed)
    elif train or test:
        raise ValueError("give both --train and --test, or neither")
    else:
        data = load_dataset(sources, cache)
        result = cross_validate(
            data.X, data.y, data.keys, folds=folds, seed=seed, context=data.context
        )
    result["published"] = PUBLISHED
    if not as_json:
        result["text"] = render(result)
    return result
