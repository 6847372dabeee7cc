"""A small linear text classifier that scores sales pitches, calls to action and self-promotion.

Why linear over three sparse families: word n-grams catch the phrasing of pitches ("check out my"),
character n-grams catch what words miss (obfuscated links "pimpmyviews. com", misspellings, emoji),
and the cue block (:mod:`tigerblood.pitch.cues`) carries what the English training data cannot: the
same call-to-action families in French, Spanish and Italian, plus links, phone numbers and money.
A logistic regression over them is fast, small on disk, gives probabilities directly, and its
weights can be read. The hyperparameters are fixed a priori in :data:`DEFAULTS`, except three that
:func:`select_settings` picks by leave-one-video-out inside the training videos only: ``C``, the
precision a data-checked cue must show to be kept (``min_precision``), and the decision threshold.
The threshold is folded into the model's intercept, so a probability of 0.5 is always the cut.

>>> clf = PitchClassifier().fit(["check out my channel http://x.co", "great song"] * 5, [1, 0] * 5)
>>> [round(p) for p in clf.predict_proba(["subscribe to my channel", "love this song"])]
[1, 0]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from tigerblood.pitch.cues import CueFeatures
from tigerblood.pitch.text import normalize_text

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "pitch_model.joblib"
FORMAT = "tigerblood.pitch/1"

# Fixed before looking at any test video: word 1-2-grams and char_wb 2-5-grams (the span the
# published baseline uses), terms seen in at least 2 comments, sublinear tf, balanced classes.
# cue_weight scales the cue block so that one cue family weighs about as much as a strong n-gram;
# without it the L2 penalty spreads weight onto English n-grams and non-English cues count little.
# lexicon=False drops every phrase and call-to-action word (text features and lexicon-free shape
# only). C, min_precision and threshold here are the a-priori values used when nothing is tuned.
DEFAULTS: dict[str, Any] = {
    "C": 3.0,
    "word_ngrams": (1, 2),
    "char_ngrams": (2, 5),
    "min_df": 2,
    "max_features": 40_000,
    "cue_weight": 2.0,
    "lexicon": True,
    "min_precision": 0.8,
    "threshold": 0.5,
}
C_GRID: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
# None keeps no data-checked cue (the a-priori core only). On a tie the earlier value wins: fewer
# data-checked cues.
MIN_PRECISION_GRID: tuple[float | None, ...] = (None, 0.9, 0.8, 0.7, 0.6)
# On a tie the threshold nearest 0.5 wins.
THRESHOLD_GRID: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def normalize_all(texts: Iterable[str]) -> list[str]:
    """Pipeline step: :func:`normalize_text` on each text (None becomes "")."""
    return [normalize_text(text or "") for text in texts]


def build_pipeline(**params: Any) -> Pipeline:
    """The untrained pipeline: normalize -> [word TF-IDF | char TF-IDF | cues] -> logistic."""
    p = {**DEFAULTS, **params}
    union = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=p["word_ngrams"],
                    min_df=p["min_df"],
                    max_features=p["max_features"],
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=p["char_ngrams"],
                    min_df=p["min_df"],
                    max_features=p["max_features"],
                    sublinear_tf=True,
                ),
            ),
            ("cues", CueFeatures(lexicon=p["lexicon"], min_precision=p["min_precision"])),
        ],
        transformer_weights={"word": 1.0, "char": 1.0, "cues": p["cue_weight"]},
    )
    # liblinear: exact, deterministic, and ~5x faster than lbfgs on a few thousand sparse rows.
    model = LogisticRegression(
        C=p["C"], class_weight="balanced", solver="liblinear", max_iter=1000, random_state=0
    )
    return Pipeline(
        [("normalize", FunctionTransformer(normalize_all)), ("features", union), ("model", model)]
    )


@dataclass(frozen=True)
class Settings:
    """What :func:`select_settings` chose on the training videos, and the inner scores behind it."""

    c: float
    min_precision: float | None
    threshold: float
    inner_f1: dict[str, float]
    inner_f1_by_threshold: dict[str, float]

    def params(self) -> dict[str, Any]:
        """Keyword arguments for :class:`PitchClassifier`."""
        return {"C": self.c, "min_precision": self.min_precision, "threshold": self.threshold}


def _setting_name(min_precision: float | None, c: float) -> str:
    return f"min_precision={'none' if min_precision is None else f'{min_precision:g}'},C={c:g}"


def _f1_at(folds: Sequence[tuple[np.ndarray, np.ndarray]], threshold: float) -> float:
    return float(
        np.mean([f1_score(y, (p >= threshold).astype(int), zero_division=0) for y, p in folds])
    )


def select_settings(
    texts: Sequence[str],
    labels: Sequence[int],
    groups: Sequence[str],
    *,
    lexicon: bool = True,
    c_grid: Sequence[float] = C_GRID,
    precision_grid: Sequence[float | None] = MIN_PRECISION_GRID,
    threshold_grid: Sequence[float] = THRESHOLD_GRID,
) -> Settings:
    """Pick ``C``, ``min_precision`` and the threshold by leave-one-group-out over the given
    (training) groups only.

    Groups are videos: holding out a whole video is what the outer evaluation does, so the inner
    choice favours settings that generalise across videos. In each inner fold the data-checked cues
    are selected on that fold's training videos (:class:`CueFeatures` ``fit``), exactly as the final
    model will select them on all the given texts. ``C`` and ``min_precision`` maximise the mean F1
    at 0.5 (ties: smaller C, then fewer kept cues); the threshold then maximises the mean F1 of that
    pair's out-of-fold probabilities (ties: nearest 0.5). Nothing outside the arguments is read.
    """
    precisions = tuple(precision_grid) if lexicon else (None,)
    text_arr = np.asarray(normalize_all(texts), dtype=object)
    label_arr = np.asarray(labels, dtype=int)
    group_arr = np.asarray(groups)
    names = sorted(set(group_arr.tolist()))
    if len(names) < 2:  # nothing to hold out: the a-priori values
        c, mp = float(DEFAULTS["C"]), (DEFAULTS["min_precision"] if lexicon else None)
        return Settings(c, mp, float(DEFAULTS["threshold"]), {}, {})
    folds: dict[tuple[float | None, float], list[tuple[np.ndarray, np.ndarray]]] = {
        (mp, c): [] for mp in precisions for c in c_grid
    }
    for held in names:
        train, test = group_arr != held, group_arr == held
        x_texts, t_texts, y = list(text_arr[train]), list(text_arr[test]), label_arr[train]
        # Same blocks and weights as build_pipeline's FeatureUnion; the n-gram blocks do not depend
        # on C or min_precision, so they are fitted once per fold.
        pipe = build_pipeline(lexicon=lexicon)
        union = pipe.named_steps["features"]
        weights = union.transformer_weights
        fixed_train, fixed_test = [], []
        for name, step in union.transformer_list:
            if name != "cues":
                fitted = clone(step)
                fixed_train.append(fitted.fit_transform(x_texts, y) * weights[name])
                fixed_test.append(fitted.transform(t_texts) * weights[name])
        for mp in precisions:
            cue = CueFeatures(lexicon=lexicon, min_precision=mp).fit(x_texts, y)
            x_train = sparse.hstack([*fixed_train, cue.transform(x_texts) * weights["cues"]])
            x_test = sparse.hstack([*fixed_test, cue.transform(t_texts) * weights["cues"]])
            x_train, x_test = x_train.tocsr(), x_test.tocsr()
            for c in c_grid:
                model = clone(pipe.named_steps["model"]).set_params(C=c).fit(x_train, y)
                folds[(mp, c)].append((label_arr[test], model.predict_proba(x_test)[:, 1]))
    scores = {key: _f1_at(values, 0.5) for key, values in folds.items()}
    order = {mp: i for i, mp in enumerate(precisions)}
    best_mp, best_c = max(scores, key=lambda k: (round(scores[k], 6), -k[1], -order[k[0]]))
    by_threshold = {t: _f1_at(folds[(best_mp, best_c)], t) for t in threshold_grid}
    threshold = max(threshold_grid, key=lambda t: (round(by_threshold[t], 6), -abs(t - 0.5)))
    return Settings(
        c=best_c,
        min_precision=best_mp,
        threshold=threshold,
        inner_f1={_setting_name(mp, c): round(v, 4) for (mp, c), v in scores.items()},
        inner_f1_by_threshold={f"{t:g}": round(v, 4) for t, v in by_threshold.items()},
    )


def fit_recipe(
    texts: Sequence[str], labels: Sequence[int], groups: Sequence[str], *, lexicon: bool = True
) -> tuple[PitchClassifier, Settings]:
    """The whole recipe on these texts only: :func:`select_settings` by leave-one-group-out, then
    one fit on everything with those settings (cues kept on all these texts)."""
    settings = select_settings(texts, labels, groups, lexicon=lexicon)
    clf = PitchClassifier(lexicon=lexicon, **settings.params()).fit(texts, labels)
    return clf, settings


class PitchClassifier:
    """Probability that a text is a pitch (sales pitch, call to action, self-promotion)."""

    def __init__(self, pipeline: Pipeline | None = None, **params: Any) -> None:
        self.params: dict[str, Any] = {**DEFAULTS, **params}
        self.pipeline: Pipeline = pipeline if pipeline is not None else build_pipeline(**params)
        self.meta: dict[str, Any] = {}

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> PitchClassifier:
        """Train on raw texts (HTML and entities are cleaned inside) and 0/1 labels."""
        self.pipeline.fit(list(texts), np.asarray(labels, dtype=int))
        _drop_stop_words(self.pipeline)
        threshold = float(self.params.get("threshold", 0.5))
        if threshold != 0.5:  # fold the cut into the intercept: probability >= 0.5 iff raw >= t
            model = self.pipeline.named_steps["model"]
            model.intercept_ = model.intercept_ - math.log(threshold / (1 - threshold))
        return self

    @property
    def kept_cues(self) -> tuple[str, ...] | None:
        """The data-checked cues this model uses (:mod:`tigerblood.pitch.cues`); None when the
        model has no cue block."""
        union = self.pipeline.named_steps["features"]
        cues = dict(union.transformer_list).get("cues")
        if not isinstance(cues, CueFeatures) or not cues.lexicon:
            return None
        return cues.kept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One probability of "pitch" per text, shape ``(len(texts),)``."""
        if len(texts) == 0:
            return np.zeros(0, dtype=float)
        # Each distinct text once: a text's score depends on it alone (fitted vocabulary and
        # weights), and feeds repeat themselves ("thank you!", a template), so the scores are
        # the same, for less work.
        distinct = list(dict.fromkeys(texts))
        scores = np.asarray(self.pipeline.predict_proba(distinct)[:, 1], dtype=float)
        if len(distinct) == len(texts):
            return scores
        where = {text: row for row, text in enumerate(distinct)}
        return scores[[where[text] for text in texts]]

    def predict(self, texts: Sequence[str], threshold: float = 0.5) -> np.ndarray:
        """0/1 per text: probability at or above ``threshold``."""
        return (self.predict_proba(texts) >= threshold).astype(int)

    def top_weights(self, n: int = 20) -> dict[str, list[tuple[str, float]]]:
        """The heaviest features each way, to read what the model learned."""
        names = self.pipeline.named_steps["features"].get_feature_names_out()
        coef = self.pipeline.named_steps["model"].coef_[0]
        order = np.argsort(coef)
        return {
            "pitch": [(str(names[i]), float(coef[i])) for i in order[::-1][:n]],
            "genuine": [(str(names[i]), float(coef[i])) for i in order[:n]],
        }

    def save(self, path: Path | str, meta: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted pipeline with its parameters and the scikit-learn version."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.meta = {**self.meta, **(meta or {})}
        payload = {
            "format": FORMAT,
            "sklearn_version": sklearn.__version__,
            "params": self.params,
            "meta": self.meta,
            "pipeline": self.pipeline,
        }
        joblib.dump(payload, path, compress=("xz", 6))
        return path

    @classmethod
    def load(cls, path: Path | str) -> PitchClassifier:
        """Read a model written by :meth:`save`. Only load files you trust: this is a pickle."""
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(f"{path}: not a tigerblood pitch model ({FORMAT})")
        clf = cls(pipeline=payload["pipeline"], **payload["params"])
        clf.meta = dict(payload.get("meta", {}))
        clf.meta["sklearn_version"] = payload.get("sklearn_version")
        return clf


def _drop_stop_words(pipeline: Pipeline) -> None:
    """Remove ``stop_words_`` (pruned terms, only for introspection) and a cached ``id()``: both
    differ between runs (set order follows the hash seed), which would make the file differ."""
    for _, step in pipeline.named_steps["features"].transformer_list:
        for name in ("stop_words_", "_stop_words_id"):  # the second is an id(), new each run
            if hasattr(step, name):
                delattr(step, name)


@cache
def default_classifier() -> PitchClassifier:
    """The shipped model, loaded once per process."""
    return PitchClassifier.load(DEFAULT_MODEL_PATH)


def score_texts(texts: Sequence[str]) -> list[float]:
    """Pitch probabilities from the shipped model (trained on the YouTube Spam Collection).

    >>> [s > 0.5 for s in score_texts(["Suscríbete a mi canal, link en la bio", "qué canción"])]
    [True, False]
    """
    return [float(p) for p in default_classifier().predict_proba(list(texts))]
