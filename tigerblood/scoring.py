"""Findings into verdicts: one per account with score, flagged, patterns and reasons (DESIGN §3.3).

Rule findings combine by noisy-OR: each finding is treated as independent evidence, so two
moderate findings make a stronger case than either alone, and the score never exceeds 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from tigerblood.detectors.base import Finding

DEFAULT_THRESHOLD = 0.5
"""``flagged`` is ``score >= threshold``; 0.5 is where a finding is more likely right than not."""


def combine(scores: Iterable[float]) -> float:
    """Noisy-OR of finding scores: ``1 - prod(1 - s)``.

    >>> round(combine([0.5, 0.5]), 2)
    0.75
    """
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - min(max(score, 0.0), 1.0)
    return 1.0 - remaining


def verdicts(
    features: pa.Table, findings: Iterable[Finding], threshold: float = DEFAULT_THRESHOLD
) -> list[dict[str, Any]]:
    """One verdict per account in ``features``, strongest findings first."""
    by_account: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        by_account[(finding.platform, finding.account_id)].append(finding)
    out = []
    cols = features.select(["platform", "account_id", "handle"]).to_pylist()
    for row in cols:
        found = sorted(
            by_account.get((row["platform"], row["account_id"]), []), key=lambda f: -f.score
        )
        score = combine(f.score for f in found)
        flagged = score >= threshold
        out.append(
            {
                "platform": row["platform"],
                "account_id": row["account_id"],
                "handle": row["handle"],
                "score": round(score, 4),
                "flagged": flagged,
                "patterns": sorted({f.pattern for f in found}) if flagged else [],
                "findings": [f.to_json() for f in found],
            }
        )
    return out
