"""Findings into verdicts: one per account with score, flagged, patterns and reasons (DESIGN §3.3).

Rule findings combine by noisy-OR: each finding is treated as independent evidence, so two
moderate findings make a stronger case than either alone, and the score never exceeds 1.

An account whose profile declares it a bot (``declared_bot``) is judged on what it does beyond
automation (:func:`declare`): automation is what it says it is, not manufactured engagement
(DESIGN §3.3), but a declaration excuses no link spam, follow farming or campaign.
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


DECLARED_ALONE = frozenset({"automation"})
"""Rule patterns that are what a declared bot declares: they do not flag it on their own. Every
other pattern (link_reply_spam, follow_farming, coordinated_campaign...) does, a third party's
included. The learned model's finding is not counted either (see :func:`beyond_automation`)."""

DECLARED_REASON = "declares itself a bot; automation alone is not manufactured engagement"
"""``declared_reason`` of a declared bot that is not flagged."""

DECLARED_FLAGGED = "declares itself a bot, and is flagged for what a declaration does not excuse"
"""``declared_reason`` of a declared bot flagged on rule evidence beyond automation."""


def declared_bots(features: pa.Table) -> list[bool]:
    """Per row, whether the profile declares the account a bot (unknown counts as no)."""
    if "declared_bot" not in features.column_names:
        return [False] * features.num_rows
    return [value is True for value in features.column("declared_bot").to_pylist()]


def beyond_automation(findings: Iterable[dict[str, Any]]) -> list[float]:
    """Scores of the rule findings (as in a verdict) whose pattern a declaration does not excuse.

    Callers pass rule findings only: the learned model's finding names no behaviour, and in a
    bot that says it is one, what it resembles is the automation it declares.
    """
    return [f["score"] for f in findings if f["pattern"] not in DECLARED_ALONE]


def declare(verdict: dict[str, Any], evidence: float, threshold: float) -> None:
    """Word ``verdict`` for an account that declares itself a bot, in place.

    ``score`` becomes ``evidence`` (the score of the rule findings beyond automation, combined
    as the verdict's own scorer combines rule findings), never above the score as it was, which
    is kept as ``undeclared_score``; ``flagged`` stays ``score >= threshold``, so only
    manipulative evidence flags. ``declared`` says ``bot`` and ``declared_reason`` why.
    """
    score = min(verdict["score"], round(evidence, 4))
    flagged = score >= threshold
    verdict.update(
        score=score,
        flagged=flagged,
        patterns=verdict["patterns"] if flagged else [],
        declared="bot",
        declared_reason=DECLARED_FLAGGED if flagged else DECLARED_REASON,
        undeclared_score=verdict["score"],
    )


def verdicts(
    features: pa.Table,
    findings: Iterable[Finding],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    declarations: bool = True,
) -> list[dict[str, Any]]:
    """One verdict per account in ``features``, strongest findings first.

    With ``declarations`` (the default) declared bots are judged by :func:`declare`; a caller
    that rescores the verdicts (``learn.combine``) turns it off and declares after.
    """
    by_account: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        by_account[(finding.platform, finding.account_id)].append(finding)
    out = []
    cols = features.select(["platform", "account_id", "handle"]).to_pylist()
    bots = declared_bots(features) if declarations else [False] * len(cols)
    for row, bot in zip(cols, bots, strict=True):
        found = sorted(
            by_account.get((row["platform"], row["account_id"]), []), key=lambda f: -f.score
        )
        score = combine(f.score for f in found)
        flagged = score >= threshold
        verdict = {
            "platform": row["platform"],
            "account_id": row["account_id"],
            "handle": row["handle"],
            "score": round(score, 4),
            "flagged": flagged,
            "patterns": sorted({f.pattern for f in found}) if flagged else [],
            "findings": [f.to_json() for f in found],
        }
        if bot:
            declare(verdict, combine(beyond_automation(verdict["findings"])), threshold)
        out.append(verdict)
    return out
