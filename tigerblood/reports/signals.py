"""The detectors turned on one account: which thresholds it meets, and which it nearly meets.

Thresholds are read from the detector classes themselves (``THRESHOLDS`` and ``SIGNALS``), so the
mirror can never disagree with what ``scan`` does. "Nearly" means within NEAR (20 %) of the
threshold on the side that does not trip yet: for ``>= 0.5``, values from 0.4; for ``<= 0.1``,
values up to 0.12.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tigerblood.detectors.base import RuleDetector
from tigerblood.detectors.registry import build_detectors

NEAR = 0.2
"""Relative distance to a threshold that counts as nearly tripping it."""

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class SignalCheck:
    """One signal of one detector on the account: ``status`` trips, near, clear or unknown."""

    detector: str
    feature: str
    threshold_name: str
    op: str
    threshold: float
    value: Any
    status: str
    required: bool


@dataclass(frozen=True)
class DetectorCheck:
    """A rule detector's score on the account against its ``min_score``, with every signal."""

    detector: str
    pattern: str
    score: float
    min_score: float
    fires: bool
    gate: str  # open: required signals met; near: one nearly met; closed: the detector can't fire
    signals: list[SignalCheck]


def status(op: str, value: Any, threshold: float) -> str:
    """trips / near / clear for a value against ``op threshold``; unknown for a missing value.

    >>> status(">=", 0.42, 0.5), status("<=", 0.11, 0.1), status(">=", 0.1, 0.5)
    ('near', 'near', 'clear')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if _OPS[op](value, threshold):
        return "trips"
    relaxed = threshold * (1 - NEAR) if op.startswith(">") else threshold * (1 + NEAR)
    return "near" if _OPS[op](value, relaxed) else "clear"


def check(row: Mapping[str, Any]) -> list[DetectorCheck]:
    """Every registered rule detector judged on one feature row (learned detectors are skipped:
    they have no thresholds to stand near)."""
    out = []
    for detector in build_detectors():
        if not isinstance(detector, RuleDetector):
            continue
        score, _met = detector.judge(row)
        # The thresholds this row is judged by: a platform's norms may differ from the defaults.
        thresholds = detector.thresholds_for(row)
        signals = [
            SignalCheck(
                detector=detector.name,
                feature=s.feature,
                threshold_name=s.threshold,
                op=s.op,
                threshold=thresholds[s.threshold],
                value=row.get(s.feature),
                status=status(s.op, row.get(s.feature), thresholds[s.threshold]),
                required=s.required,
            )
            for s in detector.SIGNALS
        ]
        min_score = detector.thresholds["min_score"]
        fires = score >= min_score
        out.append(
            DetectorCheck(
                detector.name, detector.pattern, score, min_score, fires, gate(signals), signals
            )
        )
    return out


def gate(signals: list[SignalCheck]) -> str:
    """Whether the detector's required signals let it fire: open, near, or closed.

    A required signal that is clear (or unknown) makes every other signal moot: follow farming
    needs many accounts followed, so posting little means nothing to it on its own.
    """
    required = {s.status for s in signals if s.required}
    if required & {"clear", "unknown"}:
        return "closed"
    return "near" if "near" in required else "open"
