"""The model card: what a model was trained on, how it was measured, and what it cannot do.

A score is only as trustworthy as what stands behind it, so the card travels with the model (in
its JSON, under ``card``) and as Markdown beside it (Mitchell et al. 2019, "Model Cards for Model
Reporting"). Example::

    card = build_card(model, data, sources, evaluation)
    Path("default_model_card.md").write_text(render_card(card))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightgbm as lgb

from tigerblood.learn.dataset import EXCLUDED, TrainingData
from tigerblood.learn.model import LearnedModel, package_version
from tigerblood.learn.windows import window_name

LIMITS = (
    "Calibrated for the share of inauthentic accounts in its training data; pass the expected "
    "share (the detector's `prevalence` threshold) when scoring a population that differs.",
    "It knows only the behaviours in its training data: purchased fake followers (Twitter "
    "2013), cashtag-promoting bots seen through their profiles (Twitter 2018) and fake Instagram "
    "accounts (2019). It has seen no link-reply spam, coordinated campaign, Bluesky or Mastodon "
    "account; rule findings stay the evidence for those, and its finding names no behaviour "
    "(`resembles_known_fakes`). Its post features (shares of links, replies, repeated text) were "
    "learned from Cresci-2015 alone, the only source with posts: no leave-one-source-out figure "
    "can vouch for them.",
    "Features that a source lacks are treated as unknown, as in training (every view was also "
    "trained with the profile counts hidden). The counts carry much of its weight: a source "
    "without them, such as Bluesky's Jetstream, flags far more genuine accounts seen through "
    "few posts (the 'no profile counts' rows); raise the threshold or wait for more posts.",
    "Research data sets are easy: simple rules score near the best models on them (Hays et al. "
    "2023, 'Simplistic Collection and Labeling Practices Limit the Utility of Benchmark "
    "Datasets for Twitter Bot Detection'). Expect lower figures in the wild.",
)


def build_card(
    model: LearnedModel,
    data: TrainingData,
    sources: Sequence[Path | str],
    evaluation: dict[str, Any] | None = None,
    citation: str | None = None,
) -> dict[str, Any]:
    """The card as JSON-ready data; ``evaluation`` is a result of the evaluation harness."""
    card: dict[str, Any] = {
        "name": "tigerblood learned_model",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tigerblood_version": package_version(),
        "lightgbm_version": lgb.__version__,
        "data": {
            "sources": [str(s) for s in sources],
            "accounts": data.accounts,
            "inauthentic": int(data.full_view().y.sum()),
            "genuine": int(data.accounts - data.full_view().y.sum()),
            "rows": len(data),
            "posts_windows": [window_name(w) for w in sorted(set(data.window.tolist()))],
            "count_views": sorted({bool(c) for c in data.counts.tolist()}, reverse=True),
            "postless_accounts": data.postless_accounts,
            "citation": citation,
        },
        "model": {
            "trees": model.num_trees,
            "num_leaves": model.params["num_leaves"],
            "learning_rate": model.params["learning_rate"],
            "seed": model.seed,
            "calibration": f"{model.calibration.method} fitted on "
            f"{model.calibration_folds}-fold out-of-fold log-odds",
            "training_prevalence": round(model.prevalence, 4),
            "never_exculpatory": [f for f in model.features if f in model.NEVER_EXCULPATORY],
        },
        "features": list(model.features),
        "excluded_features": dict(EXCLUDED),
        "limits": list(LIMITS),
    }
    if evaluation is not None:
        card["evaluation"] = evaluation
    return card


CARD_METRICS = ("precision", "recall", "f1", "auc", "mcc", "genuine_flagged")
METRIC_HEADER = "| | precision | recall | F1 | ROC AUC | MCC | genuine flagged |"


def _metric_row(name: str, result: dict[str, Any]) -> str:
    std = result.get("std") or {}
    cells = [
        f"{result[m]:.4f}" + (f" ± {std[m]:.4f}" if m in std else "") if m in result else "–"
        for m in CARD_METRICS
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def _threshold_lines(evaluation: dict[str, Any]) -> list[str]:
    """The shipped flag thresholds: over every source, and per platform on its own sources."""
    choice = evaluation.get("threshold_choice")
    if not choice:
        return []
    per_platform = evaluation.get("platform_thresholds") or {}
    own = ", ".join(f"{p} {t:.2f}" for p, t in sorted(per_platform.items()))
    return [
        f"Flag threshold shipped: {choice['threshold']:.2f}, chosen on every training source's "
        "out-of-fold scores (for platforms without a labelled source, judged more cautiously)"
        + (f"; per platform, chosen on that platform's sources alone: {own}." if own else "."),
        "",
    ]


def render_card(card: dict[str, Any]) -> str:
    """The card as Markdown."""
    data, model = card["data"], card["model"]
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"Trained {card['date']} with tigerblood {card['tigerblood_version']} and LightGBM "
        f"{card['lightgbm_version']}.",
        "",
        "## Data",
        f"- Sources: {', '.join(data['sources'])}",
        f"- {data['accounts']} accounts: {data['inauthentic']} inauthentic, "
        f"{data['genuine']} genuine.",
    ]
    if data.get("posts_windows"):
        hidden = False in data.get("count_views", [])
        lines.append(
            f"- Seen as {data['rows']} rows: each account through "
            + ", ".join(data["posts_windows"])
            + " (a window kept only when the account has more posts)"
            + (", each also with the profile counts hidden" if hidden else "")
            + f"; {data.get('postless_accounts', 0)} labelled accounts without posts in the data, "
            "judged from their profile, as every account is once more ('profile only')."
        )
    for name, counts in data.get("per_source", {}).items():
        lines.append(
            f"- `{name}`: {counts['accounts']} accounts, {counts['inauthentic']} inauthentic; "
            "weighs the same as every other source, each label half of it."
        )
    if data.get("citation"):
        lines.append(f"- Cite: {data['citation']}")
    if data.get("licence_note"):
        lines.append(f"- Licences: {data['licence_note']}")
    lines += [
        "",
        "## Model",
        f"- LightGBM, {model['trees']} trees of at most {model['num_leaves']} leaves, learning "
        f"rate {model['learning_rate']}, seed {model['seed']}, deterministic.",
        f"- Calibration: {model['calibration']}; calibrated at the training prevalence "
        f"({model['training_prevalence']:.1%} inauthentic).",
        f"- Features ({len(card['features'])}): " + ", ".join(f"`{f}`" for f in card["features"]),
        *(
            [
                "- Never lower the score as they rise (monotone constraints: promoting links "
                "and repeating oneself are never evidence of authenticity): "
                + ", ".join(f"`{f}`" for f in model["never_exculpatory"])
            ]
            if model.get("never_exculpatory")
            else []
        ),
        "- Left out on purpose: "
        + "; ".join(f"`{k}` ({v})" for k, v in card["excluded_features"].items()),
        "",
    ]
    evaluation = card.get("evaluation")
    loo = (evaluation or {}).get("leave_one_out")
    if loo:
        lines += [
            "## Leave one source out (the headline)",
            f"Protocol: {loo['protocol']['split']}; {loo['protocol']['scorer']}; threshold "
            f"{loo['protocol']['threshold']}; {loo['protocol']['weighting']}; seed "
            f"{loo['protocol']['seed']}.",
            "",
            "| left out | AUC | precision | recall | F1 | flagged share | expected share "
            "| true share | threshold |",
            "|---|---|---|---|---|---|---|---|---|",
            *(
                f"| {r['source']} | {r['auc']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} | "
                f"{r['f1']:.3f} | {r['flagged_share']:.3f} | {_expected(r)} | "
                f"{r['true_share']:.3f} | {r['threshold']:.2f} |"
                for r in loo["sources"]
            ),
            f"| mean | {loo['mean_auc']:.3f} | {loo['mean_precision']:.3f} | "
            f"{loo['mean_recall']:.3f} | {loo['mean_f1']:.3f} | {loo['mean_flagged_share']:.3f} "
            f"| {_expected(loo, 'mean_expected_share')} | {loo['mean_true_share']:.3f} | |",
            "",
            "Expected share: the mean calibrated score, the share of inauthentic accounts the "
            "probabilities add up to (no threshold).",
            "",
            *_threshold_lines(evaluation or {}),
            "## In-domain (Cresci-2015 only, beside the headline, never alone)",
            "",
        ]
    if evaluation:
        proto = evaluation["protocol"]
        lines += [
            "## Evaluation",
            f"Protocol: {proto['split']}, seed {proto['seed']}, threshold {proto['threshold']} "
            f"on the calibrated score; {proto['accounts']} accounts. Baselines ran on the same "
            "folds in the same run.",
            "",
            METRIC_HEADER,
            "|---|---|---|---|---|---|---|",
            _metric_row("learned_model", evaluation),
            *(_metric_row(n, r) for n, r in evaluation.get("baselines", {}).items()),
            "",
        ]
        windows = evaluation.get("windows", {})
        if len(windows) > 1:
            lines += [
                "The model on the same held-out accounts seen through at most their latest k "
                "posts (an account with fewer is seen whole), as a collector fetching k posts "
                "would see them:",
                "",
                METRIC_HEADER,
                "|---|---|---|---|---|---|---|",
                *(_metric_row(name, r) for name, r in windows.items()),
                "",
            ]
        cal = evaluation.get("calibration", {})
        if "as_trained" in cal:
            lines += [
                f"Calibration on held-out accounts at {cal['observed_rate']:.0%} inauthentic "
                f"({cal['accounts']} accounts, mean of {cal['draws']} draws): mean score "
                f"{cal['as_trained']['mean_score']:.3f} as trained (Brier "
                f"{cal['as_trained']['brier']:.4f}); {cal['prevalence_adjusted']['mean_score']:.3f}"
                f" once told the prevalence (Brier {cal['prevalence_adjusted']['brier']:.4f}). "
                f"Always answering the rate scores Brier {cal['brier_of_constant_rate']:.4f}.",
                "",
            ]
    lines += ["## Limits", *(f"- {limit}" for limit in card["limits"]), ""]
    return "\n".join(lines)


def _expected(row: dict[str, Any], key: str = "expected_share") -> str:
    """The expected share, or a dash in a card written before it was measured."""
    value = row.get(key)
    return f"{value:.3f}" if value is not None else "—"
