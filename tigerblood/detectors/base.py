"""Detector, Finding and the rule machinery shared by the built-in rule detectors (DESIGN §3.4).

A rule detector is a list of signals: a feature compared with a named threshold, a weight, and a
phrase that quotes the account's own numbers. The score is the weight of the signals met over the
weight of the signals that could be judged, so a missing feature lowers certainty instead of
counting as innocence or guilt. Thresholds live in class constants so a YAML file or a caller can
override them without touching code (presidio's recognizers work the same way).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeGuard

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_VECTOR_OPS: dict[str, Callable[[np.ndarray, Any], np.ndarray]] = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
}


@dataclass
class Finding:
    """One detector's judgement of one account: score in [0, 1], a summary and its evidence."""

    platform: str
    account_id: str
    detector: str
    pattern: str
    score: float
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The finding as it appears inside a verdict (DESIGN §3.3)."""
        return {
            "detector": self.detector,
            "pattern": self.pattern,
            "score": round(self.score, 4),
            "summary": self.summary,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Signal:
    """A feature compared with a named threshold; ``phrase`` is formatted with the row's values
    (an empty phrase keeps a met signal out of the summary: a gate, or a grade of confidence)."""

    feature: str
    op: str
    threshold: str
    weight: float
    phrase: str
    required: bool = False


class Detector:
    """Base class: ``name``, ``pattern``, ``THRESHOLDS`` and :meth:`detect` over feature rows."""

    name: ClassVar[str] = ""
    pattern: ClassVar[str] = ""
    description: ClassVar[str] = ""
    THRESHOLDS: ClassVar[Mapping[str, float]] = {}

    def __init__(self, **overrides: float) -> None:
        unknown = set(overrides) - set(self.THRESHOLDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown threshold(s) {', '.join(sorted(unknown))}")
        self.thresholds = {**self.THRESHOLDS, **overrides}

    def detect(self, features: pa.Table) -> list[Finding]:
        """Findings for the accounts in ``features`` that show this pattern."""
        raise NotImplementedError


def _known(value: Any) -> TypeGuard[float]:
    """A feature value that can be compared (not null, not NaN)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


class RuleDetector(Detector):
    """A detector defined by ``SIGNALS``; emits a finding when the score reaches ``min_score``."""

    SIGNALS: ClassVar[tuple[Signal, ...]] = ()
    EVIDENCE: ClassVar[tuple[str, ...]] = ()

    def judge(self, row: Mapping[str, Any]) -> tuple[float, list[Signal]]:
        """Score one feature row: met weight over judged weight; a failed required signal is 0."""
        met: list[Signal] = []
        judged = 0.0
        thresholds = self.thresholds_for(row)
        for signal in self.SIGNALS:
            value = row.get(signal.feature)
            if not _known(value):
                if signal.required:
                    return 0.0, []
                continue
            judged += signal.weight
            if _OPS[signal.op](value, thresholds[signal.threshold]):
                met.append(signal)
            elif signal.required:
                return 0.0, []
        if judged == 0:
            return 0.0, []
        return sum(s.weight for s in met) / judged, met

    def thresholds_for(self, row: Mapping[str, Any]) -> Mapping[str, float]:
        """The thresholds one row is judged by: the class's, unless a detector's norms differ
        by platform (:mod:`tigerblood.detectors.norms`)."""
        return self.thresholds

    def context_evidence(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """Evidence about how the row was judged (a platform's reference population), beside
        the row's own values; none here."""
        return {}

    def phrase_values(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """Extra words the phrases may quote besides the row's values and thresholds (none
        here; a detector overrides this to word a finding after what the row holds)."""
        return {}

    def candidates(self, features: pa.Table) -> np.ndarray | None:
        """Which rows may become findings, by the signals computed column-wise: the rows whose
        signal score reaches ``min_score`` with a signal met, a superset of what :meth:`judge`
        finds; only they are judged row by row. On a feed or a large store most rows meet
        nothing, and judging each in Python was most of a detector's time.

        None (judge every row) when a subclass overrides :meth:`judge` without overriding
        this: its judgement may find what the signals alone do not. An override that only
        lowers scores returns ``super().candidates(...)``; one that can raise them adds its
        own rows. Thresholds are asked per platform (:meth:`thresholds_for` of a row holding
        only its platform)."""
        cls = type(self)
        if cls.judge is not RuleDetector.judge and cls.candidates is RuleDetector.candidates:
            return None
        n = features.num_rows
        names = set(features.column_names)
        platforms = features.column("platform").to_pylist() if "platform" in names else [None] * n
        by_platform = {p: self.thresholds_for({"platform": p}) for p in dict.fromkeys(platforms)}
        judged, met_weight = np.zeros(n), np.zeros(n)
        any_met, dead = np.zeros(n, bool), np.zeros(n, bool)
        for signal in self.SIGNALS:
            if signal.feature in names:
                column = pc.cast(features.column(signal.feature), pa.float64())
                values = column.to_numpy(zero_copy_only=False).astype(float)
            else:
                values = np.full(n, np.nan)
            if len(by_platform) == 1:
                threshold: float | np.ndarray = next(iter(by_platform.values()))[signal.threshold]
            else:
                threshold = np.array([by_platform[p][signal.threshold] for p in platforms])
            known = ~np.isnan(values)
            with np.errstate(invalid="ignore"):
                met = known & _VECTOR_OPS[signal.op](values, threshold)
            if signal.required:
                dead |= ~met
            judged = judged + np.where(known, signal.weight, 0.0)  # in signal order, as judge
            met_weight = met_weight + np.where(met, signal.weight, 0.0)
            any_met |= met
        score = np.divide(met_weight, judged, out=np.zeros(n), where=judged > 0)
        # A hair below min_score: summed in the same order, the scores are judge's, but a
        # candidate too many costs a row judged, one too few a finding lost.
        return any_met & ~dead & (score >= self.thresholds["min_score"] - 1e-9)

    def detect(self, features: pa.Table) -> list[Finding]:
        """Judge every row that may reach ``min_score`` (:meth:`candidates`); rows at or above
        it become findings."""
        maybe = self.candidates(features)
        if maybe is not None:
            if not maybe.any():
                return []
            features = features.filter(pa.array(maybe))
        needed = {s.feature for s in self.SIGNALS} | set(self.EVIDENCE)
        cols = [c for c in features.column_names if c in needed | {"platform", "account_id"}]
        findings = []
        for row in features.select(cols).to_pylist():
            score, met = self.judge(row)
            if score < self.thresholds["min_score"] or not met:
                continue
            values = {
                **row,
                **{f"t_{k}": v for k, v in self.thresholds_for(row).items()},
                **self.phrase_values(row),
            }
            # A gate (a signal with an empty phrase) decides without adding words to the summary.
            summary = "; ".join(s.phrase.format(**values) for s in met if s.phrase)
            evidence = {k: _plain(row.get(k)) for k in self.EVIDENCE}
            evidence["signals_met"] = list(dict.fromkeys(s.feature for s in met))
            evidence.update(self.context_evidence(row))
            findings.append(
                Finding(
                    row["platform"],
                    row["account_id"],
                    self.name,
                    self.pattern,
                    score,
                    summary,
                    evidence,
                )
            )
        return findings


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value
