"""Pitch scoring (`tigerblood.pitch.score_texts`) on real tweets, block by block, against a bare
clean-and-split of the same texts.

Every thread ending of a scan or of the live feed's 6-hourly cross-account run is scored, and
on the feed that run is the one long pause (docs/stream.md), so this is where its time goes.
The baseline is the least any text scorer does: clean each text (`normalize_text`) and split it
into words, in the same process, just before. Prints texts per second for the whole score, the
time of each block of the fitted pipeline (clean-up, word TF-IDF, character n-gram TF-IDF, cue
features, the model), and the ratio of the baseline's time to the score's.

    .venv/bin/python bench/pitch.py [--texts 40000] [--seed 11]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from tigerblood.pitch.classifier import default_classifier, score_texts
from tigerblood.pitch.text import normalize_text

T = TypeVar("T")
POSTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "cresci-2015" / "posts.parquet"


def tweets(n: int, seed: int) -> list[str]:
    """``n`` tweets drawn at random (reproducibly) from Cresci-2015's 2.8 million."""
    query = f"SELECT text FROM '{POSTS}' WHERE text <> '' USING SAMPLE {n} (reservoir, {seed})"
    return [text for (text,) in duckdb.sql(query).fetchall()]


def timed(step: Callable[..., T], *args: Any) -> tuple[float, T]:
    """Seconds ``step(*args)`` took, and what it returned."""
    began = time.perf_counter()
    out = step(*args)
    return time.perf_counter() - began, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=40_000, help="tweets to score")
    parser.add_argument("--seed", type=int, default=11, help="which tweets")
    args = parser.parse_args()
    texts = tweets(args.texts, args.seed)
    pipeline = default_classifier().pipeline
    score_texts(texts[:50])  # load and warm the model outside the timings
    bare, _ = timed(lambda: [normalize_text(t).split() for t in texts])
    whole, _ = timed(score_texts, texts)
    print(f"{len(texts):,} Cresci-2015 tweets, {len(set(texts)):,} distinct")
    print(f"baseline, clean and split each text: {bare:.2f} s, {len(texts) / bare:,.0f} texts/s")
    print(
        f"score_texts: {whole:.2f} s, {len(texts) / whole:,.0f} texts/s; ratio to baseline "
        f"{bare / whole:.3f} (time {whole / bare:.0f}x)"
    )
    took, plain = timed(pipeline.named_steps["normalize"].transform, texts)
    blocks = [("clean-up", took)]
    for name, block in pipeline.named_steps["features"].transformer_list:
        took, _ = timed(block.transform, plain)
        blocks.append((f"{name} block", took))
    matrix = pipeline[:-1].transform(texts)
    took, _ = timed(pipeline.named_steps["model"].predict_proba, matrix)
    blocks.append(("model", took))
    print("by block: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in blocks))


if __name__ == "__main__":
    main()
