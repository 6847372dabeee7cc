"""Train the shipped default model on all of Cresci-2015 and write it with its card.

``python -m tigerblood.learn.train_default [--data DIR] [--cache FILE] [--results FILE]``

Runs the evaluation protocol first (5-fold CV by account, seed 0, baselines on the same folds,
the calibration check, and the sha256-halves split), so the card that ships with the model carries
figures measured on the same code and data in the same run, then fits on every account.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tigerblood.learn.card import build_card, render_card
from tigerblood.learn.dataset import load_dataset
from tigerblood.learn.detector import default_model_path
from tigerblood.learn.evaluate import PUBLISHED, card_path, cross_validate, halves, render
from tigerblood.learn.model import LearnedModel

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cresci-2015"
CITATION = (
    'S. Cresci, R. Di Pietro, M. Petrocchi, A. Spognardi, M. Tesconi, "Fame for sale: '
    'Efficient detection of fake Twitter followers", Decision Support Systems 80:56-71, '
    "2015. Distributed by the Bot Repository (OSoMe, Indiana University)."
)


def main(argv: list[str] | None = None) -> dict:
    """Evaluate, fit, write ``tigerblood/data/default_model.json`` and its card."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, help="Parquet cache of the labelled features")
    parser.add_argument("--out", type=Path, default=default_model_path())
    parser.add_argument("--results", type=Path, help="also write the evaluation as JSON")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = load_dataset([args.data], args.cache)
    loaded = time.perf_counter()
    print(
        f"loaded {data.accounts} accounts ({int(data.full_view().y.sum())} inauthentic, "
        f"{data.postless_accounts} without posts left out) as {len(data)} post-window rows "
        f"in {loaded - started:.0f} s"
    )
    evaluation = cross_validate(data, folds=5, seed=args.seed)
    print(render(evaluation))
    split = halves(data, seed=args.seed)
    print(render(split))
    fit_started = time.perf_counter()
    model = LearnedModel(seed=args.seed).fit(data.X, data.y, data.groups)
    fit_s = time.perf_counter() - fit_started
    evaluation["published"] = PUBLISHED
    evaluation["halves"] = {k: v for k, v in split.items() if k != "calibration"}
    model.card = build_card(
        model, data, ["cresci-2015 (tigerblood tabular layout)"], evaluation, CITATION
    )
    model.card["training_seconds"] = round(fit_s, 2)
    model.save(args.out)
    card_path(args.out).write_text(render_card(model.card), encoding="utf-8")
    # The shipped model must reproduce itself: same data and seed, same probabilities.
    again = LearnedModel.load(args.out).predict_proba(data.X)
    assert np.allclose(again, model.predict_proba(data.X)), "saved model does not round-trip"
    print(
        f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) and {card_path(args.out)}; "
        f"final fit {fit_s:.1f} s"
    )
    if args.results:
        args.results.write_text(json.dumps(evaluation, indent=2), encoding="utf-8")
    return evaluation


if __name__ == "__main__":
    main()
