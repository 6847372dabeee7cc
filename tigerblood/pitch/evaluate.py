"""Cross-video evaluation of the pitch classifier, with and without its cue lexicon, against a
character n-gram baseline.

Protocol (why: spam campaigns repeat inside one video, so only a held-out video says how the model
does on comments it has not seen the like of):

- four rotations: train on three videos of the YouTube Spam Collection, test on the fourth;
- **text only**: :func:`tigerblood.pitch.classifier.build_pipeline` with ``lexicon=False``: word and
  character TF-IDF and the lexicon-free shape of the text (links, digits, money, capitals), no
  phrase and no call-to-action word; ``C`` and the decision threshold chosen per rotation by
  leave-one-video-out over the three *training* videos;
- **with lexicon**: the same plus the cue block: the a-priori core of the lexicon, and the
  data-checked candidate cues kept on the three training videos only, with the precision a cue
  must show, ``C`` and the threshold all chosen by the same inner leave-one-video-out
  (:func:`~tigerblood.pitch.classifier.select_settings`). The held-out video is passed to nothing
  but ``predict_proba``;
- baseline, trained and tested on the same splits in the same run: raw text ->
  ``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))`` -> ``LogisticRegression()``
  (scikit-learn defaults otherwise, threshold 0.5), the setup reported at mean F1 0.934;
- metrics: F1, precision and recall with spam = positive class at each model's threshold, and
  ROC AUC of its scores; unweighted mean over rotations.

Run ``python -m tigerblood.pitch.evaluate [--json] [--fixed]``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import orjson
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline

from tigerblood.pitch.classifier import DEFAULTS, PitchClassifier, Settings, select_settings
from tigerblood.pitch.dataset import DEFAULT_DATA_DIR, Video, load_videos

MODELS: tuple[str, ...] = ("text_only", "lexicon", "baseline")


@dataclass(frozen=True)
class Scores:
    """Spam-as-positive metrics on one test video."""

    f1: float
    precision: float
    recall: float
    auc: float

    @classmethod
    def of(cls, truth: Sequence[int], proba: np.ndarray, threshold: float = 0.5) -> Scores:
        """The four metrics; F1, P, R zero when nothing is predicted positive, AUC NaN with one
        class only."""
        predicted = (np.asarray(proba) >= threshold).astype(int)
        auc = float(roc_auc_score(truth, proba)) if len(set(truth)) == 2 else math.nan
        return cls(
            f1=float(f1_score(truth, predicted, zero_division=0)),
            precision=float(precision_score(truth, predicted, zero_division=0)),
            recall=float(recall_score(truth, predicted, zero_division=0)),
            auc=auc,
        )

    @classmethod
    def mean(cls, rows: Sequence[Scores]) -> Scores:
        """Unweighted mean over rotations."""
        return cls(
            *(float(np.mean([getattr(r, name) for r in rows])) for name in cls.__dataclass_fields__)
        )


@dataclass(frozen=True)
class Variant:
    """One of our models on one rotation: its scores and what was chosen on the training videos."""

    scores: Scores
    c: float
    min_precision: float | None
    threshold: float
    kept_cues: tuple[str, ...]
    inner_f1: dict[str, float]
    inner_f1_by_threshold: dict[str, float]


@dataclass(frozen=True)
class Rotation:
    """One split: which video was held out, and the three models trained on the others."""

    test_video: str
    train_videos: tuple[str, ...]
    n_test: int
    text_only: Variant
    lexicon: Variant
    baseline: Scores


@dataclass(frozen=True)
class Report:
    """All rotations plus their means, ready for a table or JSON."""

    rotations: list[Rotation]
    selection: str = (
        "C, min_precision and threshold by inner leave-one-video-out F1 on the training videos"
    )
    mean_text_only: Scores = field(init=False)
    mean_lexicon: Scores = field(init=False)
    mean_baseline: Scores = field(init=False)

    def __post_init__(self) -> None:
        for name in MODELS:
            rows = [getattr(rotation, name) for rotation in self.rotations]
            rows = [row if isinstance(row, Scores) else row.scores for row in rows]
            object.__setattr__(self, f"mean_{name}", Scores.mean(rows))


def baseline_pipeline() -> Pipeline:
    """Character 2-5-grams (``char_wb``: n-grams inside word boundaries) + logistic regression."""
    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
        LogisticRegression(max_iter=1000),
    )


def _variant(train: Sequence[Video], test: Video, *, lexicon: bool, tune: bool) -> Variant:
    texts = [text for video in train for text in video.texts]
    labels = [label for video in train for label in video.labels]
    groups = [video.name for video in train for _ in video.texts]
    if tune:
        settings = select_settings(texts, labels, groups, lexicon=lexicon)
    else:
        mp = DEFAULTS["min_precision"] if lexicon else None
        settings = Settings(float(DEFAULTS["C"]), mp, float(DEFAULTS["threshold"]), {}, {})
    clf = PitchClassifier(lexicon=lexicon, **settings.params()).fit(texts, labels)
    # The threshold is folded into the model: 0.5 on its probabilities is the chosen cut.
    proba = clf.predict_proba(list(test.texts))
    return Variant(
        scores=Scores.of(test.labels, proba),
        c=settings.c,
        min_precision=settings.min_precision,
        threshold=settings.threshold,
        kept_cues=clf.kept_cues or (),
        inner_f1=settings.inner_f1,
        inner_f1_by_threshold=settings.inner_f1_by_threshold,
    )


def run_rotation(videos: Sequence[Video], test_index: int, tune: bool = True) -> Rotation:
    """Train the three models on every video but ``test_index``, score them on that one.

    With ``tune`` False, ours use the a-priori ``DEFAULTS`` (C, min_precision, threshold 0.5) and
    skip the inner search; the data-checked cues are still kept on the training videos only.
    """
    test = videos[test_index]
    train = [video for i, video in enumerate(videos) if i != test_index]
    texts = [text for video in train for text in video.texts]
    labels = [label for video in train for label in video.labels]
    base = baseline_pipeline().fit(texts, labels).predict_proba(list(test.texts))[:, 1]
    return Rotation(
        test_video=test.name,
        train_videos=tuple(video.name for video in train),
        n_test=len(test.texts),
        text_only=_variant(train, test, lexicon=False, tune=tune),
        lexicon=_variant(train, test, lexicon=True, tune=tune),
        baseline=Scores.of(test.labels, base),
    )


def evaluate(videos: Sequence[Video], tune: bool = True) -> Report:
    """Every rotation (one per video held out), in file order."""
    rotations = [run_rotation(videos, i, tune) for i in range(len(videos))]
    if tune:
        return Report(rotations)
    fixed = f"fixed a priori (C={DEFAULTS['C']:g}, min_precision={DEFAULTS['min_precision']:g}, "
    return Report(rotations, selection=fixed + "threshold 0.5)")


def _cells(s: Scores) -> str:
    return f"{s.f1:6.3f} {s.precision:6.3f} {s.recall:6.3f} {s.auc:6.3f}"


def write_table(report: Report, out: TextIO) -> None:
    """Scores (one row per rotation, then the means), then what each rotation chose."""
    metrics = f"{'F1':>6} {'P':>6} {'R':>6} {'AUC':>6}"
    out.write(f"{'':<17}| {'text only':<27} | {'+ lexicon':<27} | {'baseline':<27}\n")
    out.write(f"{'test video':<12} {'n':>4} | {metrics} | {metrics} | {metrics}\n")
    for r in report.rotations:
        out.write(
            f"{r.test_video:<12} {r.n_test:>4} | {_cells(r.text_only.scores)} | "
            f"{_cells(r.lexicon.scores)} | {_cells(r.baseline)}\n"
        )
    out.write(
        f"{'mean':<12} {'':>4} | {_cells(report.mean_text_only)} | "
        f"{_cells(report.mean_lexicon)} | {_cells(report.mean_baseline)}\n\n"
    )
    out.write("chosen on the training videos of each rotation:\n")
    out.write(f"{'test video':<12} {'text only C':>11} {'thr':>4} | {'+ lexicon C':>11} ")
    out.write(f"{'min_prec':>8} {'thr':>4} {'kept':>4}\n")
    for r in report.rotations:
        t, x = r.text_only, r.lexicon
        mp = "none" if x.min_precision is None else f"{x.min_precision:g}"
        out.write(
            f"{r.test_video:<12} {t.c:>11g} {t.threshold:>4g} | {x.c:>11g} {mp:>8} "
            f"{x.threshold:>4g} {len(x.kept_cues):>4}\n"
        )
    out.write(
        "text only: word 1-2 + char_wb 2-5 TF-IDF + lexicon-free shape -> logistic regression\n"
        "+ lexicon: the same + cue families (a-priori core + data-checked cues kept on the\n"
        "           training videos) + first-word call to action\n"
        f"           {report.selection}\n"
        "baseline: raw text -> char_wb 2-5-gram TF-IDF -> LogisticRegression (same splits)\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tigerblood.pitch.evaluate [--json] [--data DIR] [--fixed]``."""
    parser = argparse.ArgumentParser(prog="python -m tigerblood.pitch.evaluate")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="collection folder")
    parser.add_argument(
        "--fixed",
        "--fixed-c",
        action="store_true",
        help="use the a-priori settings instead of the inner selection",
    )
    args = parser.parse_args(argv)
    try:
        videos = load_videos(args.data)
    except FileNotFoundError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    report = evaluate(videos, tune=not args.fixed)
    if args.json:
        sys.stdout.write(orjson.dumps(asdict(report), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        write_table(report, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
