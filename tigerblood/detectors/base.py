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

import pyarrow as pa

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
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

    def detect(self, features: pa.Table) -> list[Finding]:
        """Judge every row; rows at or above ``min_score`` become findings."""
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
