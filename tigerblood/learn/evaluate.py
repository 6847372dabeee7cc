"""The evaluation harness: cross-validation by account, held-out sets, baselines, calibration.

The protocol is fixed so figures can be compared and rerun (DESIGN §6): folds split accounts,
with all the post windows of an account (:mod:`tigerblood.learn.windows`) on one side;
StratifiedKFold over accounts with a stated seed; every baseline runs on the same folds in the
same run; the model is refitted (with its own inner calibration folds) inside each training fold,
so no held-out account ever touches training or calibration. The headline figures judge each
held-out account with all its posts; ``windows`` repeats them as a collector fetching at most
the latest k posts would see the same accounts. The calibration check uses only held-out
predictions.

Example::

    data = load_dataset([Path("../shared/data/cresci-2015")])
    result = cross_validate(data, folds=5, seed=0)
    result["f1"], result["std"]["f1"], result["baselines"]["simple_rule"]["f1"]
    result["windows"]["latest 3"]["genuine_flagged"]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    brier_score_loss,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
    roc_auc_score,
)

from tigerblood.learn.baselines import all_baselines, baseline_frame
from tigerblood.learn.dataset import TrainingData, load_dataset
from tigerblood.learn.model import LearnedModel, fold_rows, package_version, shift_prevalence
from tigerblood.learn.windows import ALL_POSTS, window_name

METRICS = ("precision", "recall", "f1", "auc", "mcc", "genuine_flagged")
"""``genuine_flagged``: the share of genuine accounts predicted inauthentic (false positive
rate), the figure an account owner meets first."""
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
    """Precision, recall, F1, ROC AUC, MCC and genuine accounts flagged, against labels."""
    y, labels = np.asarray(y), np.asarray(labels)
    auc = float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else float("nan")
    genuine = y == 0
    return {
        "precision": float(precision_score(y, labels, zero_division=0)),
        "recall": float(recall_score(y, labels, zero_division=0)),
        "f1": float(f1_score(y, labels, zero_division=0)),
        "auc": auc,
        "mcc": float(matthews_corrcoef(y, labels)),
        "genuine_flagged": float(np.mean(labels[genuine])) if genuine.any() else float("nan"),
    }


def summarize(per_fold: list[dict[str, float]]) -> dict[str, Any]:
    """Means at the top level, standard deviations (ddof 0) under ``std``, folds kept."""
    out: dict[str, Any] = {m: float(np.mean([f[m] for f in per_fold])) for m in METRICS}
    out["std"] = {m: float(np.std([f[m] for f in per_fold])) for m in METRICS}
    out["folds"] = per_fold
    return out


View = tuple[bool, float]
"""(profile counts seen, latest posts seen): the sort puts views with counts first."""
Scored = dict[View, tuple[dict[str, float], dict[str, dict[str, float]]]]
"""Per view: the model's scores and each baseline's, on the same held-out accounts."""
FULL: View = (True, ALL_POSTS)


def _fit_and_score(
    train: TrainingData, test: TrainingData, seed: int, model_kwargs: dict[str, Any]
) -> tuple[Scored, np.ndarray, float]:
    """Fit on every view of ``train``; score ``test`` at each window. Baselines are fitted on
    the all-posts view (the published methods train on whole accounts). Returns the scores, the
    model's held-out probabilities of the all-posts view, and the training prevalence."""
    model = LearnedModel(seed=seed, **model_kwargs).fit(train.X, train.y, train.groups)
    full_train = train.full_view()
    baselines = [b.fit(baseline_frame(full_train), full_train.y) for b in all_baselines(seed)]
    out: Scored = {}
    full_p = np.empty(0)
    views = sorted(set(zip(test.counts.tolist(), test.window.tolist(), strict=True)))
    for counts, window in sorted(views, key=lambda v: (not v[0], v[1])):
        view = test.at_most(window, counts)
        p = model.predict_proba(view.X)
        frame = baseline_frame(view)
        base = {}
        for baseline in baselines:
            labels, score = baseline.predict(frame)
            base[baseline.name] = scores(view.y, labels, score)
        out[(counts, window)] = (scores(view.y, (p >= THRESHOLD).astype(int), p), base)
        if (counts, window) == FULL:
            full_p = p
    return out, full_p, model.prevalence


def _by_window(per_fold: list[Scored]) -> dict[str, Any]:
    """Fold results summarised: the all-posts view at the top level, every window (all posts
    included) under ``windows``, each with its baselines."""
    windows: dict[str, Any] = {}
    every = {v for fold in per_fold for v in fold}
    for counts, window in sorted(every, key=lambda v: (not v[0], v[1])):
        folds = [fold[(counts, window)] for fold in per_fold if (counts, window) in fold]
        names = folds[0][1].keys()
        windows[window_name(window, counts)] = {
            **summarize([model for model, _ in folds]),
            "baselines": {n: summarize([base[n] for _, base in folds]) for n in names},
        }
    out = dict(windows[window_name(ALL_POSTS)])
    out["windows"] = windows
    return out


def cross_validate(
    data: TrainingData,
    folds: int = 5,
    seed: int = 0,
    *,
    train_on_windows: bool = True,
    **model_kwargs: Any,
) -> dict[str, Any]:
    """K-fold CV by account of the model and every baseline, plus the calibration check.

    ``data.context`` (the excluded count columns) lets rule baselines that count posts run;
    without it those criteria are judged unknown. ``train_on_windows=False`` fits on the
    all-posts view only (the model before post windows), scored on the same folds and windows.
    """
    full = data.full_view()
    oof = np.full(len(full), np.nan)
    per_fold: list[Scored] = []
    prevalences = []
    for train_rows, test_rows in fold_rows(data.y, data.groups, folds, seed):
        train, test = data.subset(train_rows), data.subset(test_rows)
        if not train_on_windows:
            train = train.full_view()
        result, p, prevalence = _fit_and_score(train, test, seed, model_kwargs)
        oof[np.isin(full.groups, test.groups)] = p  # both in account order
        per_fold.append(result)
        prevalences.append(prevalence)
    out = _by_window(per_fold)
    out["calibration"] = calibration_check(full.y, oof, float(np.mean(prevalences)), seed)
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
    result, p, prevalence = _fit_and_score(train, test, seed, model_kwargs)
    out = _by_window([result])
    for summary in [out, *out["windows"].values()]:
        # One split: the means are the figures, a spread of one value says nothing.
        for row in [summary, *summary["baselines"].values()]:
            row.pop("std", None), row.pop("folds", None)
    out["calibration"] = calibration_check(test.full_view().y, p, prevalence, seed)
    out["protocol"] = protocol(test, description, seed)
    out["protocol"]["train_accounts"] = train.accounts
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
        "accounts": data.accounts,
        "inauthentic": int(data.full_view().y.sum()),
        "rows": len(data),
        "windows": [
            window_name(w, c)
            for c, w in sorted(
                set(zip(data.counts.tolist(), data.window.tolist(), strict=True)),
                key=lambda v: (not v[0], v[1]),
            )
        ],
        "postless_accounts": data.postless_accounts,
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

    names = ["learned_model", *result["baselines"], *(f"  {w}" for w in result.get("windows", {}))]
    width = max(len(n) for n in names) + 2

    def row(name: str, r: dict[str, Any]) -> str:
        std = r.get("std")
        cells = [f"{r[m]:.4f}" + (f" ±{std[m]:.4f}" if std else "") for m in METRICS]
        return f"{name:<{width}}" + "".join(f"{c:>18}" for c in cells)

    proto = result["protocol"]
    lines = [
        f"{proto['split']}, seed {proto['seed']}: {proto['accounts']} accounts, "
        f"{proto['inauthentic']} inauthentic",
        f"{'':<{width}}" + "".join(f"{m:>18}" for m in METRICS),
        row("learned_model", result),
    ]
    lines += [row(name, r) for name, r in result["baselines"].items()]
    if len(result.get("windows", {})) > 1:
        lines.append("learned_model by posts seen (latest k; an account with fewer, all of them):")
        lines += [row(f"  {name}", r) for name, r in result["windows"].items()]
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
    sources: Sequence[Path],
    out: Path,
    *,
    seed: int = 0,
    cache: Path | None = None,
    reviews: Sequence[Path] = (),
) -> dict[str, Any]:
    """``tigerblood learn``: fit on labelled sources, write the model and its card.

    The card's figures are the out-of-fold predictions the calibration was fitted on: honest for
    ranking (AUC), slightly flattering for the thresholded ones. ``tigerblood eval`` runs the
    full protocol with baselines. ``reviews``: stores whose confirmed (1) and dismissed (0)
    reviews are labels too (:mod:`tigerblood.learn.reviews`).
    """
    from tigerblood.learn.card import build_card, render_card

    data = load_dataset(sources, cache, reviews=reviews)
    model = LearnedModel(seed=seed).fit(data.X, data.y, data.groups)
    assert model.oof_raw is not None
    full = np.isinf(data.window) & data.counts
    p = model.calibrate(model.oof_raw[full])
    oof = scores(data.y[full], (p >= THRESHOLD).astype(int), p)
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
        "sources": data.source_names(),
        "accounts": data.accounts,
        "inauthentic": int(data.full_view().y.sum()),
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
    leave_one_out: bool = False,
    reviews: Path | None = None,
) -> dict[str, Any]:
    """``tigerblood eval``: K-fold CV on ``sources``, ``train`` -> ``test`` when both given, or
    each source left out in turn (``leave_one_out``: :mod:`tigerblood.learn.leave_one_out`).

    Returns the result dict (``precision``, ``recall``, ``f1``, ``auc``, ``mcc``,
    ``genuine_flagged`` are the model's means, ``std``, ``folds``, ``baselines``, ``windows``,
    ``calibration``, ``protocol``, ``published``);
    unless ``as_json``, it also carries ``text``, the report to print. With ``reviews`` (a store),
    the store's verdicts are measured against its reviews instead
    (:func:`tigerblood.learn.reviews.evaluate_reviews`).
    """
    if reviews is not None:
        from tigerblood.learn.reviews import evaluate_reviews
        from tigerblood.learn.reviews import render as render_reviews

        judged = evaluate_reviews(reviews)
        if not as_json:
            judged["text"] = render_reviews(judged)
        return judged
    if leave_one_out:
        from tigerblood.learn.dataset import load_features
        from tigerblood.learn.leave_one_out import leave_one_out as run_leave_one_out
        from tigerblood.learn.leave_one_out import render as render_loo

        loo = run_leave_one_out(load_features(sources, cache), seed=seed)
        if not as_json:
            loo["text"] = render_loo(loo)
        return loo
    if train and test:
        result = train_test(train, test, seed)
    elif train or test:
        raise ValueError("give both --train and --test, or neither")
    else:
        data = load_dataset(sources, cache)
        result = cross_validate(data, folds=folds, seed=seed)
    result["published"] = PUBLISHED
    if not as_json:
        result["text"] = render(result)
    return result
