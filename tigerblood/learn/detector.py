"""The learned model as a detector: a calibrated score plus the three features that moved it.

A probability alone asks to be trusted; a finding must be checkable (DESIGN §3.3). So each finding
names the three features that moved *this* account's score most (by SHAP values, which LightGBM
computes natively), quoting the account's own numbers, and says how far each moved the score.

How a log-odds contribution becomes a score change: LightGBM's SHAP values add up in log-odds, but
people read probabilities, and the calibration curve bends: near a score of 0.99 a large push in
log-odds barely moves the probability, so "what if this one feature were average?" answers 0.00
for every feature of a clear case. We instead share the score's distance from the base score
(the calibrated score of an account whose every feature has the average effect) among the
features the Shapley way, treating each feature's log-odds contribution as a player: a feature's
score change is the average, over orderings of the features, of how much adding its contribution
moves the calibrated probability. The changes add up exactly to ``score - base score``.
:data:`PERMUTATIONS` fixed orderings and their reverses make the estimate deterministic; the exact
log-odds stay in the evidence.

The finding is named after what the model learned, not after a behaviour: its pattern is
:data:`LEARNED_PATTERN` ("resembles the inauthentic accounts of its training data", which it
names), never one of the behaviour patterns (``follow_farming``, ...). A behaviour is named only
by its own rule detector, where its own evidence holds (DESIGN §3.3): a model that learned from
2013 bought followers once called genuine accounts in quick reply exchanges "follow_farming" on
the strength of their hashtags and posting gaps. Each top feature still says which behaviour its
value would be evidence of, if any (``indicates``, :data:`ACTIVE`, thresholds shared with the rule
detectors), so a reader sees whether the model's reasons point at a behaviour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from tigerblood.detectors.automation import AutomationDetector
from tigerblood.detectors.base import Detector, Finding
from tigerblood.detectors.link_reply_spam import LinkReplySpamDetector
from tigerblood.learn.dataset import feature_matrix
from tigerblood.learn.model import LearnedModel

ACTIVE: dict[str, tuple[str, str, float]] = {
    "link_share": ("link_reply_spam", ">=", 0.5),
    "replies_with_link_share": (
        "link_reply_spam",
        ">=",
        LinkReplySpamDetector.THRESHOLDS["min_replies_with_link_share"],
    ),
    "top_url_share": (
        "link_reply_spam",
        ">=",
        LinkReplySpamDetector.THRESHOLDS["min_top_url_share"],
    ),
    "top_url_repeat_count": (
        "link_reply_spam",
        ">=",
        LinkReplySpamDetector.THRESHOLDS["min_top_url_repeat"],
    ),
    "shortened_link_share": ("link_reply_spam", ">=", 0.5),
    "reply_share": ("link_reply_spam", ">=", LinkReplySpamDetector.THRESHOLDS["min_reply_share"]),
    "reply_to_non_followers_share": (
        "link_reply_spam",
        ">=",
        LinkReplySpamDetector.THRESHOLDS["min_non_follower_share"],
    ),
    "mention_share": ("link_reply_spam", ">=", 0.5),
    "duplicate_text_share": (
        "automation",
        ">=",
        AutomationDetector.THRESHOLDS["min_duplicate_text_share"],
    ),
    "posts_per_day": ("automation", ">=", AutomationDetector.THRESHOLDS["min_posts_per_day"]),
    "interval_cv": ("automation", "<=", AutomationDetector.THRESHOLDS["max_interval_cv"]),
    "median_interval_s": ("automation", "<=", 60.0),
    "hashtag_share": ("automation", ">=", 0.5),
}
"""Feature -> (pattern, comparison, threshold): the value at which the feature is evidence of an
active behaviour, with thresholds shared with the rule detectors where one exists."""

LEARNED_PATTERN = "resembles_known_fakes"
"""The learned finding's name: the account resembles the inauthentic accounts the model was
trained on. Not a behaviour pattern of DESIGN §3.3, on purpose (see the module docstring)."""


def pattern_of_feature(feature: str, value: Any) -> str | None:
    """The behaviour a feature's value is evidence of, or None when it is evidence of none.

    >>> pattern_of_feature("duplicate_text_share", 0.6), pattern_of_feature("link_share", 0.0)
    ('automation', None)
    """
    if feature in ACTIVE and _known(value):
        pattern, op, threshold = ACTIVE[feature]
        if (value >= threshold) if op == ">=" else (value <= threshold):
            return pattern
    return None


def _count(value: float) -> str:
    return f"{round(value):,}"


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


Phrase = Callable[[Mapping[str, Any]], str]

PHRASES: dict[str, Phrase] = {
    "followers_count": lambda r: f"has {_count(r['followers_count'])} followers",
    "following_count": lambda r: f"follows {_count(r['following_count'])} accounts",
    "followers_per_following": lambda r: (
        f"follows {_count(r['following_count'])} accounts and has "
        f"{_count(r['followers_count'])} followers ({r['followers_per_following']:.2f} per "
        "account followed)"
        if _known(r.get("following_count")) and _known(r.get("followers_count"))
        else f"has {r['followers_per_following']:.2f} followers per account followed"
    ),
    "posts_count": lambda r: f"has posted {_count(r['posts_count'])} times in all",
    "observed_posts": lambda r: f"{_count(r['observed_posts'])} of its posts are in the data",
    "account_age_days": lambda r: f"the account is {_count(r['account_age_days'])} days old",
    "posts_per_day": lambda r: f"posts {r['posts_per_day']:.2f} times a day",
    "interval_cv": lambda r: (
        f"the gaps between its posts vary by {r['interval_cv']:.2f} times their average "
        "(near 0 is clockwork)"
    ),
    "median_interval_s": lambda r: (
        f"its median gap between posts is {_duration(r['median_interval_s'])}"
    ),
    "link_share": lambda r: f"{r['link_share']:.0%} of its posts carry a link",
    "replies_with_link_share": lambda r: (
        f"{r['replies_with_link_share']:.0%} of its replies carry a link"
    ),
    "top_url_share": lambda r: f"{r['top_url_share']:.0%} of its posts carry the same link",
    "shortened_link_share": lambda r: (
        f"{r['shortened_link_share']:.0%} of its links go through a link shortener"
    ),
    "top_url_repeat_count": lambda r: (
        f"its most repeated link appears in {_count(r['top_url_repeat_count'])} posts"
    ),
    "distinct_urls": lambda r: f"it posted {_count(r['distinct_urls'])} different links",
    "reply_share": lambda r: f"{r['reply_share']:.0%} of its posts are replies",
    "distinct_reply_targets": lambda r: (
        f"it replied to {_count(r['distinct_reply_targets'])} different accounts"
    ),
    "reply_to_non_followers_share": lambda r: (
        f"{r['reply_to_non_followers_share']:.0%} of its replies go to accounts that don't "
        "follow it"
    ),
    "duplicate_text_share": lambda r: (
        f"{r['duplicate_text_share']:.0%} of its posts repeat an earlier text"
    ),
    "mention_share": lambda r: f"{r['mention_share']:.0%} of its posts mention or reply to someone",
    "hashtag_share": lambda r: f"{r['hashtag_share']:.0%} of its posts carry a hashtag",
}
"""How each feature reads as evidence, quoting the account's own values."""


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def describe(feature: str, row: Mapping[str, Any]) -> str:
    """A feature of one account in words, e.g. ``"follows 344 accounts"``."""
    if not _known(row.get(feature)):
        return f"{feature.replace('_', ' ')} is unknown"
    phrase = PHRASES.get(feature)
    return phrase(row) if phrase else f"{feature.replace('_', ' ')} is {row[feature]:g}"


def _plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    return value


PERMUTATIONS = 64
"""Orderings sampled (each also reversed) for the probability-scale Shapley shares."""


def probability_shares(
    contrib: np.ndarray,
    calibrate: Callable[[np.ndarray], np.ndarray],
    permutations: int = PERMUTATIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature score changes (rows x features) and the base score per row.

    ``contrib`` is LightGBM's ``pred_contrib`` output (last column the bias). Each row of the
    changes sums to ``calibrate(raw) - calibrate(bias)``.

    >>> c = np.array([[1.0, 1.0, 0.0]])
    >>> changes, base = probability_shares(c, lambda z: 1 / (1 + np.exp(-z)))
    >>> bool(np.isclose(changes[0, 0], changes[0, 1])), round(float(changes.sum() + base[0]), 4)
    (True, 0.8808)
    """
    phi, bias = contrib[:, :-1], contrib[:, -1]
    rows, width = phi.shape
    base = calibrate(bias)
    changes = np.zeros_like(phi)
    rng = np.random.default_rng(0)
    orders = [rng.permutation(width) for _ in range(permutations)]
    orders += [order[::-1] for order in orders]
    for order in orders:
        steps = bias[:, None] + np.cumsum(phi[:, order], axis=1)
        probs = calibrate(steps.ravel()).reshape(rows, width)
        gains = np.diff(np.concatenate([base[:, None], probs], axis=1), axis=1)
        changes[:, order] += gains
    return changes / len(orders), base


DEFAULT_MODEL = "default_model.json"


def default_model_path() -> Path:
    """Where the shipped model lives: ``tigerblood/data/default_model.json``."""
    return Path(str(files("tigerblood.data").joinpath(DEFAULT_MODEL)))


class LearnedDetector(Detector):
    """Calibrated LightGBM probability per account, explained by its top SHAP contributions.

    ``detect`` returns findings for accounts whose probability reaches ``min_score``;
    ``predict`` gives the probability of every account (what ``score`` becomes when the model is
    on, see :mod:`tigerblood.learn.combine`).
    """

    name = "learned_model"
    pattern = LEARNED_PATTERN
    description = "calibrated gradient-boosted model over the feature table, explained by SHAP"
    THRESHOLDS: ClassVar[Mapping[str, float]] = {
        "min_score": 0.5,
        "top_features": 3,
        "prevalence": 0.0,
    }
    """``prevalence`` 0 keeps the training prevalence; otherwise scores are moved to it."""

    def __init__(
        self,
        model_path: Path | str | None = None,
        model: LearnedModel | None = None,
        **overrides: float,
    ) -> None:
        super().__init__(**overrides)
        if model is not None:
            self.model = model
            return
        path = Path(model_path) if model_path else default_model_path()
        if not path.exists():
            hint = (
                "train it with `python -m tigerblood.learn.train_default`"
                if model_path is None
                else "train one with `tigerblood learn`"
            )
            raise FileNotFoundError(f"learned model not found at {path}: {hint}")
        self.model = LearnedModel.load(path)

    @property
    def _prevalence(self) -> float | None:
        value = float(self.thresholds["prevalence"])
        return value if 0.0 < value < 1.0 else None

    def predict(self, features: pa.Table) -> np.ndarray:
        """Calibrated P(inauthentic) for every row of the feature table."""
        if features.num_rows == 0:
            return np.zeros(0)
        return self.model.predict_proba(
            feature_matrix(features, self.model.features), self._prevalence
        )

    def detect(self, features: pa.Table) -> list[Finding]:
        """Findings for rows whose probability reaches ``min_score``."""
        return self.explain(features, min_score=float(self.thresholds["min_score"]))

    def explain(self, features: pa.Table, min_score: float = 0.0) -> list[Finding]:
        """A finding for every row at or above ``min_score`` (0: every account)."""
        if features.num_rows == 0:
            return []
        frame = feature_matrix(features, self.model.features)
        scores = self.model.calibrate(self.model.raw_score(frame), self._prevalence)
        keep = np.flatnonzero(scores >= min_score)
        if len(keep) == 0:
            return []
        # TreeSHAP costs ~1 ms an account, 50x a plain prediction: only for accounts kept.
        kept = frame.iloc[keep]
        contrib = self.model.contributions(kept)
        changes, base = probability_shares(
            contrib, lambda z: self.model.calibrate(z, self._prevalence)
        )
        ids = features.select(["platform", "account_id"]).to_pylist()
        return [
            self._finding(ids[i], row, contrib[k], changes[k], float(base[k]), float(scores[i]))
            for k, (i, row) in enumerate(zip(keep, kept.to_dict("records"), strict=True))
        ]

    def _finding(
        self,
        ident: Mapping[str, str],
        row: dict[str, Any],
        phi: np.ndarray,
        change: np.ndarray,
        base: float,
        score: float,
    ) -> Finding:
        names = self.model.features
        top = np.argsort(-np.abs(change), kind="stable")[: int(self.thresholds["top_features"])]
        parts = []
        for j in top:
            way = "pushes the score up" if change[j] >= 0 else "pulls the score down"
            parts.append(f"{describe(names[j], row)}: {way} by {abs(change[j]):.2f}")
        learned_from = self.learned_from()
        evidence = {
            "score_is": "calibrated probability of being inauthentic",
            "learned_from": learned_from,
            "base_score": round(base, 4),
            "top_features": [
                {
                    "feature": names[j],
                    "value": _plain(row[names[j]]),
                    "score_change": round(float(change[j]), 4),
                    "log_odds": round(float(phi[j]), 4),
                    "indicates": pattern_of_feature(names[j], row[names[j]]),
                }
                for j in top
            ],
            "log_odds": {
                "base": round(float(phi[-1]), 4),
                "total": round(float(phi.sum()), 4),
                **{n: round(float(phi[k]), 4) for k, n in enumerate(names)},
            },
            "values": {n: _plain(row[n]) for n in names},
        }
        summary = (
            f"resembles the inauthentic accounts the model learned from ({', '.join(learned_from)})"
            if learned_from
            else "resembles the inauthentic accounts the model learned from"
        )
        return Finding(
            ident["platform"],
            ident["account_id"],
            self.name,
            self.pattern,
            score,
            summary + ": " + "; ".join(parts),
            evidence,
        )

    def learned_from(self) -> list[str]:
        """The labelled sources the model was trained on, as its card names them."""
        return [str(s) for s in self.model.card.get("data", {}).get("sources", [])]
