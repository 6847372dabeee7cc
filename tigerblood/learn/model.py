# ruff: noqa: N803  (X for a feature matrix, y for labels: the scikit-learn convention)
"""A small LightGBM model whose output is a calibrated probability, saved as JSON.

Why these choices:

- Gradient-boosted trees take the feature table as it is (NaN = unknown, no scaling) and give
  exact per-prediction SHAP values natively (``pred_contrib=True``), which the detector words as
  evidence. 200 trees of 15 leaves is plenty for ~20 features and a few thousand accounts.
- Boosted log-odds are over-confident, and verdicts promise a calibrated probability (DESIGN
  §3.3). The calibration map is fitted on out-of-fold predictions: each training account is
  scored by a model that never saw it, so the map learns how right the model is on new accounts,
  not how well it remembers old ones.
- A probability is calibrated for the share of inauthentic accounts it was trained on.
  :meth:`LearnedModel.predict_proba` can move it to another prevalence by Bayes' rule on the odds
  (Saerens et al. 2002), because 63% fakes in Cresci-2015 is not what a real audience looks like.
- Saved as JSON (LightGBM's own model text plus the calibration numbers), never pickle: loading
  a model file must not run code, and the file diffs and reviews like any text.

Example::

    model = LearnedModel(seed=0).fit(data.X, data.y, data.groups)
    model.predict_proba(data.X[:3])            # calibrated probabilities
    model.contributions(data.X[:3])            # log-odds per feature, last column the bias
    model.save(Path("model.json")); LearnedModel.load(Path("model.json"))
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np
import orjson
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

FORMAT = "tigerblood-learned-model"
FORMAT_VERSION = 1
EPS = 1e-6
"""Probabilities are kept within [EPS, 1 - EPS] wherever a logit is taken."""


def logit(p: np.ndarray | float) -> np.ndarray:
    """log(p / (1 - p)), clipped so 0 and 1 stay finite."""
    q = np.clip(np.asarray(p, dtype="float64"), EPS, 1 - EPS)
    return np.log(q / (1 - q))


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`logit`."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))


def package_version() -> str:
    """tigerblood's version, recorded in every model file and card."""
    try:
        return version("tigerblood")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class Calibration:
    """Raw log-odds -> probability. ``sigmoid``: Platt scaling, ``p = σ(a·raw + b)``;
    ``isotonic``: a monotone step map through the points (``x``, ``y``)."""

    method: str = "sigmoid"
    a: float = 1.0
    b: float = 0.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    @classmethod
    def fit(
        cls,
        raw: np.ndarray,
        labels: np.ndarray,
        method: str,
        weights: np.ndarray | None = None,
    ) -> Calibration:
        """Fit the map on out-of-fold raw scores and their labels (rows weighted by ``weights``)."""
        if method == "sigmoid":
            # C large: Platt scaling is a 2-parameter fit, regularising it would bias it to 0.5.
            lr = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
            lr.fit(raw.reshape(-1, 1), labels, sample_weight=weights)
            return cls("sigmoid", a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))
        if method == "isotonic":
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            iso.fit(raw, labels, sample_weight=weights)
            return cls(
                "isotonic",
                x=[float(v) for v in iso.X_thresholds_],
                y=[float(v) for v in iso.y_thresholds_],
            )
        raise ValueError(f"unknown calibration method {method!r} (sigmoid or isotonic)")

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for raw log-odds."""
        raw = np.asarray(raw, dtype="float64")
        if self.method == "sigmoid":
            return sigmoid(self.a * raw + self.b)
        return np.interp(raw, self.x, self.y)

    def to_json(self) -> dict[str, Any]:
        """The parameters as plain JSON."""
        if self.method == "sigmoid":
            return {"method": "sigmoid", "a": self.a, "b": self.b}
        return {"method": "isotonic", "x": self.x, "y": self.y}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        """Inverse of :meth:`to_json`."""
        return cls(
            data["method"],
            a=data.get("a", 1.0),
            b=data.get("b", 0.0),
            x=list(data.get("x", [])),
            y=list(data.get("y", [])),
        )


class LearnedModel:
    """LightGBM + calibration fitted on out-of-fold predictions (see module docstring)."""

    PARAMS: ClassVar[dict[str, Any]] = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 8,
        "min_data_in_leaf": 20,
        "lambda_l2": 1.0,
        "feature_fraction": 1.0,
        "bagging_fraction": 1.0,
        "deterministic": True,  # same data + seed -> same trees, on any machine
        "force_row_wise": True,
        # One thread: on a shared 2-core machine, 2 OpenMP threads spinning against other
        # processes made one fit 35x slower (23 s vs 0.7 s); the model is small anyway.
        "num_threads": 1,
        "verbose": -1,
    }
    NUM_TREES: ClassVar[int] = 200
    CALIBRATION_FOLDS: ClassVar[int] = 5
    NEVER_EXCULPATORY: ClassVar[tuple[str, ...]] = (
        "link_share",
        "top_url_share",
        "replies_with_link_share",
        "duplicate_text_share",
    )
    """Features that may raise the score as they rise, or leave it alone, but never lower it
    (LightGBM monotone constraints). Promoting links and repeating oneself are what spam does;
    in Cresci-2015, the one labelled source with posts, the bought followers happen to post no
    links, so an unconstrained model learned "more links, more genuine" and scored a
    link-pushing, never-replying account 0.96 without links and 0.61 with them: the content
    polluters of an older Twitter set, caught one in three (issue 14), are such accounts. With
    the constraint, Cresci-2015 5-fold F1 0.9855 (was 0.9853), AUC 0.9974 (0.9978); left out
    (docs/evaluation.md) the same AUC on Cresci-2015 and InstaFake."""

    def __init__(
        self,
        *,
        seed: int = 0,
        num_trees: int | None = None,
        calibration: str = "sigmoid",
        calibration_folds: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.seed = seed
        self.num_trees = num_trees or self.NUM_TREES
        self.calibration_method = calibration
        self.calibration_folds = calibration_folds or self.CALIBRATION_FOLDS
        self.params = {**self.PARAMS, **(params or {}), "seed": seed}
        self.booster: lgb.Booster | None = None
        self.calibration = Calibration()
        self.features: list[str] = []
        self.prevalence = 0.5
        self.oof_raw: np.ndarray | None = None
        self.card: dict[str, Any] = {}
        self.judges_profiles = False
        """Whether training saw accounts through their profile alone (no posts): only then may
        it judge an account without posts (``tigerblood.learn.combine``)."""
        self.platforms: list[str] = []
        """Platforms of the training accounts: elsewhere the model has no reference."""
        self.threshold = 0.5
        """The flag threshold chosen on the training sources' out-of-fold scores
        (:mod:`tigerblood.learn.thresholds`); ``scan`` uses it unless told otherwise, for an
        account of a platform without its own (:attr:`platform_thresholds`)."""
        self.platform_thresholds: dict[str, float] = {}
        """Per platform of the training sources, the threshold chosen on that platform's
        sources alone: what a score means differs by platform (DESIGN §3.4)."""

    # -- fitting -------------------------------------------------------------------------------

    def _train(self, frame: pd.DataFrame, y: np.ndarray, weights: np.ndarray | None) -> lgb.Booster:
        params = dict(self.params)
        if any(c in self.NEVER_EXCULPATORY for c in frame.columns):
            params["monotone_constraints"] = [
                int(c in self.NEVER_EXCULPATORY) for c in frame.columns
            ]
            params["monotone_constraints_method"] = "advanced"
        data = lgb.Dataset(
            frame,
            label=y,
            weight=weights,
            feature_name=list(frame.columns),
            free_raw_data=True,
            params={"verbose": -1},
        )
        return lgb.train(params, data, num_boost_round=self.num_trees)

    def fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        groups: np.ndarray | None = None,
        sources: np.ndarray | None = None,
    ) -> LearnedModel:
        """Train on all of ``X``; calibrate on K-fold out-of-fold raw scores within ``X``.

        ``groups`` marks rows that are views of one account (:mod:`tigerblood.learn.windows`):
        a calibration fold holds all of an account's views or none, else the held-out score of a
        view would come from trees that saw its twin; and each account weighs 1 in all, split
        over its views, so accounts with long timelines (more views) do not outvote the rest
        and the training prevalence stays the share of inauthentic accounts.

        ``sources`` names the labelled source of each row: each source then weighs the same in
        all, and within a source each label weighs half (:func:`source_weights`), so 10,000
        accounts of one data set do not outvote 1,000 of another, and no source's share of
        fakes becomes the model's idea of what is normal.
        """
        y = np.asarray(y, dtype="int64")
        if len(np.unique(y)) < 2:
            raise ValueError("training needs both labels (0 genuine, 1 inauthentic)")
        self.features = list(X.columns)
        weights = None if groups is None else account_weights(groups)
        if sources is not None:
            weights = source_weights(sources, y, np.ones(len(y)) if weights is None else weights)
        accounts = y if groups is None else y[np.unique(groups, return_index=True)[1]]
        folds = min(self.calibration_folds, int(np.bincount(accounts, minlength=2).min()))
        if folds < 2:
            raise ValueError("calibration needs at least 2 accounts of each label")
        oof = np.zeros(len(y))
        for train_rows, held_rows in fold_rows(y, groups, folds, self.seed):
            booster = self._train(
                X.iloc[train_rows], y[train_rows], None if weights is None else weights[train_rows]
            )
            oof[held_rows] = booster.predict(X.iloc[held_rows], raw_score=True)
        self.oof_raw = oof
        self.calibration = Calibration.fit(oof, y, self.calibration_method, weights)
        self.booster = self._train(X, y, weights)
        self.prevalence = float(np.average(y, weights=weights))
        return self

    # -- predicting ----------------------------------------------------------------------------

    def _frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            frame = frame.assign(**dict.fromkeys(missing, np.nan))
        return frame[self.features].astype("float64")

    def _booster(self) -> lgb.Booster:
        if self.booster is None:
            raise RuntimeError("the model is not fitted: call fit() or LearnedModel.load()")
        return self.booster

    def raw_score(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated log-odds (the sum of :meth:`contributions`)."""
        return np.asarray(self._booster().predict(self._frame(X), raw_score=True))

    def calibrate(self, raw: np.ndarray, prevalence: float | None = None) -> np.ndarray:
        """Calibrated probabilities for raw log-odds, optionally moved to another prevalence."""
        p = self.calibration(raw)
        if prevalence is None or math.isclose(prevalence, self.prevalence):
            return p
        return shift_prevalence(p, self.prevalence, prevalence)

    def predict_proba(self, X: pd.DataFrame, prevalence: float | None = None) -> np.ndarray:
        """P(inauthentic) per row. ``prevalence``: the share of inauthentic accounts expected
        where the model is used; None keeps the training share (what the calibration saw)."""
        return self.calibrate(self.raw_score(X), prevalence)

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """SHAP values in log-odds, shape (rows, features + 1); the last column is the bias
        (the average raw score), and each row sums to :meth:`raw_score`."""
        return np.asarray(self._booster().predict(self._frame(X), pred_contrib=True))

    def threshold_for(self, platform: str) -> float:
        """The flag threshold of an account of ``platform``: its platform's own, else the one
        chosen on every training source.

        >>> model = LearnedModel()
        >>> model.threshold, model.platform_thresholds = 0.55, {"twitter": 0.5}
        >>> model.threshold_for("twitter"), model.threshold_for("bluesky")
        (0.5, 0.55)
        """
        return self.platform_thresholds.get(platform, self.threshold)

    # -- saving --------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Everything needed to predict, as plain JSON."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tigerblood_version": package_version(),
            "lightgbm_version": lgb.__version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "features": self.features,
            "seed": self.seed,
            "num_trees": self.num_trees,
            "params": self.params,
            "prevalence": self.prevalence,
            "judges_profiles": self.judges_profiles,
            "platforms": self.platforms,
            "threshold": self.threshold,
            "platform_thresholds": self.platform_thresholds,
            "calibration": self.calibration.to_json(),
            "card": self.card,
            "booster": self._booster().model_to_string(),
        }

    def save(self, path: Path) -> Path:
        """Write the model as one JSON file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(self.to_json(), option=orjson.OPT_SERIALIZE_NUMPY))
        return path

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnedModel:
        """Inverse of :meth:`to_json`."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a tigerblood model file (format {data.get('format')!r})")
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"model file format {data['format_version']} is newer than this "
                f"tigerblood reads ({FORMAT_VERSION}); upgrade tigerblood"
            )
        model = cls(
            seed=int(data.get("seed", 0)),
            num_trees=int(data.get("num_trees", 0)) or None,
            calibration=data["calibration"]["method"],
            params=data.get("params"),
        )
        model.features = list(data["features"])
        model.prevalence = float(data["prevalence"])
        model.judges_profiles = bool(data.get("judges_profiles", False))
        model.platforms = [str(p) for p in data.get("platforms", [])]
        model.threshold = float(data.get("threshold", 0.5))
        model.platform_thresholds = {
            str(k): float(v) for k, v in (data.get("platform_thresholds") or {}).items()
        }
        model.calibration = Calibration.from_json(data["calibration"])
        model.card = dict(data.get("card") or {})
        model.booster = lgb.Booster(model_str=data["booster"])
        return model

    @classmethod
    def load(cls, path: Path) -> LearnedModel:
        """Read a file written by :meth:`save`."""
        return cls.from_json(orjson.loads(path.read_bytes()))


def account_weights(groups: np.ndarray) -> np.ndarray:
    """1 / (views of the row's account): every account weighs 1 in all.

    >>> account_weights(np.array([0, 0, 1])).tolist()
    [0.5, 0.5, 1.0]
    """
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def source_weights(sources: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row weights rescaled so every source weighs the same in all, and each label half of its
    source, keeping the relative weights within a (source, label) cell; the total is unchanged.

    >>> source_weights(np.array(["a", "a", "a", "b"]), np.array([0, 0, 1, 1]), np.ones(4)).tolist()
    [0.5, 0.5, 1.0, 2.0]
    """
    frame = pd.DataFrame({"source": sources, "y": y, "w": weights})
    cell_total = frame.groupby(["source", "y"])["w"].transform("sum").to_numpy()
    labels_in_source = frame.groupby("source")["y"].transform("nunique").to_numpy()
    share = 1.0 / frame["source"].nunique() / labels_in_source
    return weights / cell_total * share * weights.sum()


def fold_rows(
    y: np.ndarray, groups: np.ndarray | None, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified K-fold (train rows, held rows) pairs, splitting accounts, not rows.

    Accounts are dealt by ``StratifiedKFold`` over one row per account, then each account's
    rows follow it; with one row per account (``groups`` None) this is ``StratifiedKFold``
    over the rows itself, so figures without windows are unchanged.
    """
    y = np.asarray(y)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    if groups is None:
        return list(splitter.split(np.zeros(len(y)), y))
    first = np.unique(groups, return_index=True)[1]
    first.sort()  # accounts in order of first appearance, as the rows list them
    out = []
    for _, held_accounts in splitter.split(np.zeros(len(first)), y[first]):
        held = np.isin(groups, groups[first[held_accounts]])
        out.append((np.flatnonzero(~held), np.flatnonzero(held)))
    return out


def shift_prevalence(p: np.ndarray, trained: float, target: float) -> np.ndarray:
    """Move probabilities calibrated at prevalence ``trained`` to prevalence ``target``.

    Bayes' rule on the odds (Saerens, Latinne & Decaestecker 2002): the likelihood ratio the
    features give is unchanged; only the prior odds are swapped.

    >>> round(float(shift_prevalence(np.array([0.5]), 0.5, 0.1)[0]), 3)
    0.1
    """
    prior = math.log(target / (1 - target)) - math.log(trained / (1 - trained))
    return sigmoid(logit(p) + prior)
