"""Train the shipped default model on every labelled source in ``../shared/data``, with its card.

``python -m tigerblood.learn.train_default [--data DIR] [--cache DIR] [--results FILE]``

Runs the evaluation protocol first, so the card that ships with the model carries figures
measured on the same code and data in the same run:

1. leave one source out (the headline: train on the others, judge the one left out with the
   whole scorer, the threshold chosen on the training sources only);
2. in-domain 5-fold CV by account on Cresci-2015 (seed 0), beside it, never alone;

then fits on every source (each weighing the same), chooses the flag threshold on the
out-of-fold scores of all of them, derives the platform norms from their genuine accounts, and
writes the model, its card and ``platform_norms.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from tigerblood.detectors.norms import NORMS_FILE
from tigerblood.learn.card import build_card, render_card
from tigerblood.learn.dataset import load_features, source_name
from tigerblood.learn.detector import default_model_path
from tigerblood.learn.evaluate import PUBLISHED, card_path, cross_validate, render
from tigerblood.learn.leave_one_out import (
    fit_model,
    leave_one_out,
    norms_of,
    out_of_fold_scan_scores,
    training_data,
)
from tigerblood.learn.leave_one_out import render as render_loo
from tigerblood.learn.thresholds import choose_threshold, platform_thresholds

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SOURCES = ("cresci-2015", "cresci-stock-2018", "instafake-2019")
"""The labelled account sources in ``../shared/data`` (the YouTube comments train the pitch
classifier instead: ``tigerblood.pitch.train``)."""
IN_DOMAIN = "cresci-2015"

CITATIONS = {
    "cresci-2015": (
        'S. Cresci, R. Di Pietro, M. Petrocchi, A. Spognardi, M. Tesconi, "Fame for sale: '
        'Efficient detection of fake Twitter followers", Decision Support Systems 80:56-71, '
        "2015. Bot Repository (OSoMe). Terms: research use, cite the paper; no open licence."
    ),
    "cresci-stock-2018": (
        'S. Cresci, F. Lillo, D. Regoli, S. Tardelli, M. Tesconi, "$FAKE: Evidence of spam and '
        'bot activity in stock microblogs on Twitter", ICWSM 2018; "Cashtag piggybacking", ACM '
        "TWEB 13(2), 2019. Bot Repository (OSoMe). Terms: research use, cite the papers; no "
        "open licence."
    ),
    "instafake-2019": (
        'F. C. Akyon, M. E. Kalfaoglu, "Instagram Fake and Automated Account Detection", ASYU '
        "2019. Terms: CC BY-NC 4.0 (attribution, non-commercial)."
    ),
}

LICENCE_NOTE = (
    "InstaFake is licensed CC BY-NC 4.0 and the model's trees are fitted on it: whether a model "
    "trained on non-commercial data may be used commercially is unsettled, so treat the shipped "
    "model as non-commercial, or retrain without InstaFake (`tigerblood learn` on the other "
    "sources) for commercial use. The Cresci sets are for research use with citation. "
    "tigerblood's code (Apache-2.0) is not affected."
)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Evaluate, fit, write ``tigerblood/data/default_model.json``, its card and the norms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--cache", type=Path, help="folder caching each source's features")
    parser.add_argument("--out", type=Path, default=default_model_path())
    parser.add_argument("--results", type=Path, help="also write the evaluation as JSON")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sources = [args.data / name for name in SOURCES if (args.data / name).exists()]
    frame = load_features(sources, args.cache)
    print(f"loaded {len(sources)} sources in {time.perf_counter() - started:.0f} s")

    loo = leave_one_out(frame, seed=args.seed)
    print(render_loo(loo))
    in_domain = training_data(frame[frame["source"] == IN_DOMAIN])
    cv = cross_validate(in_domain, folds=5, seed=args.seed)
    print(render(cv))

    fit_started = time.perf_counter()
    data = training_data(frame)
    model = fit_model(data, args.seed)
    norms = norms_of(frame)
    oof = out_of_fold_scan_scores(frame, data, model, norms)
    threshold, choice = choose_threshold(oof)
    model.threshold = threshold
    model.platform_thresholds = platform_thresholds(oof)
    fit_s = time.perf_counter() - fit_started
    evaluation: dict[str, Any] = {
        **{k: v for k, v in cv.items() if k != "windows"},
        "windows": cv.get("windows", {}),
        "published": PUBLISHED,
        "leave_one_out": loo,
        "threshold_choice": {"threshold": threshold, **choice},
        "platform_thresholds": model.platform_thresholds,
    }
    names = [source_name(s) for s in sources]
    model.card = build_card(
        model,
        data,
        names,
        evaluation,
        " | ".join(CITATIONS.get(n, n) for n in names),
    )
    model.card["data"]["licence_note"] = LICENCE_NOTE
    model.card["data"]["per_source"] = {
        n: {
            "accounts": len(np.unique(data.groups[data.sources == n])),
            "inauthentic": int(data.of_sources([n]).full_view().y.sum()),
        }
        for n in names
    }
    model.card["training_seconds"] = round(fit_s, 2)
    model.save(args.out)
    norms.save(args.out.with_name(NORMS_FILE))
    card_path(args.out).write_text(render_card(model.card), encoding="utf-8")
    print(f"threshold {threshold:.2f} chosen on the training sources' out-of-fold scores: {choice}")
    print(f"per platform, on its own sources: {model.platform_thresholds}")
    print(f"wrote {args.out}, {card_path(args.out)} and {args.out.with_name(NORMS_FILE)}")
    if args.results:
        args.results.write_text(json.dumps(evaluation, indent=2, default=float), encoding="utf-8")
    return evaluation


if __name__ == "__main__":
    main()
