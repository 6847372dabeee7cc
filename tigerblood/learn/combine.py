"""Verdicts when the learned model is on: ``score`` is the model's calibrated probability.

Why not fold the model into the noisy-OR of :mod:`tigerblood.scoring`: noisy-OR treats findings
as independent evidence, but the rules read the very features the model already weighs, so adding
them again counts the same evidence twice and pushes every score up; the result would no longer
be a calibrated probability, which ``score`` promises (DESIGN §3.3). So:

- ``score`` is the model's calibrated probability, except where a rule finds a pattern the model
  was never trained on (``MODEL_PATTERNS`` lists what it learned): then the score is the larger of
  the model's probability and that rule finding's score. The rules stay in the score for what the
  model cannot know (link-reply spam, automation, ...), without counting twice what it does know;
- ``flagged = score >= threshold``;
- rule findings stay in ``findings`` as checkable evidence, and their patterns join the model's
  finding's pattern in ``patterns`` when the account is flagged;
- ``rule_score`` (the rules' noisy-OR) and ``model_score`` are added, so a disagreement is
  visible: the model only knows the behaviours in its training data (the default model: purchased
  followers), and a rule may see a pattern it was never shown, such as link-reply spam;
- an account with no posts in the data is outside what the model learned (see :data:`POSTLESS`),
  and so is one with few posts and no declared counts (:data:`MIN_POSTS_WITHOUT_COUNTS`): its
  verdict is the rules' (``scored_by: "rules"``, with the reason), the model's probability still
  shown as ``model_score``.

Example::

    detector = LearnedDetector()
    results = model_verdicts(features, run_detectors(features, rules), detector, threshold=0.5)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from tigerblood.detectors.base import Finding
from tigerblood.learn.detector import LearnedDetector
from tigerblood.scoring import DEFAULT_THRESHOLD, verdicts

MODEL_PATTERNS = frozenset({"follow_farming"})
"""Patterns the default model was trained on (Cresci-2015: purchased fake followers)."""

POSTLESS = (
    "no posts of this account in the data: the rules judge it, not the model, whose training "
    "data had post-less accounts almost only among fakes (149 of Cresci-2015's 153)"
)
"""Why an account without observed posts is scored by the rules (``scored_by: rules``).

The model reads shares of posts; with no posts they are unknown, and in its training data unknown
shares meant "fake" by the way the data was collected, not by how accounts behave. Audits collect
followers' profiles without their posts, so every follower would look like those fakes: on
Cresci-2015 with the posts removed, the model flagged 30% of the genuine accounts (rules: 2%),
measured 2026-11-25 (docs/evaluation.md)."""

MIN_POSTS_WITHOUT_COUNTS = 10
"""Posts the model needs to judge an account whose profile declares no counts.

Without counts (Bluesky's Jetstream carries none) the model rests on post shares alone, and few
posts make those coarse: held out on Cresci-2015 with the counts hidden it flagged 21% of genuine
accounts seen through one post, 10% through three, 5.5% through ten (docs/evaluation.md, 5-fold
CV by account; chosen there, not on the data it is used on). Below this the rules judge."""

FEW_POSTS = (
    f"fewer than {MIN_POSTS_WITHOUT_COUNTS} posts and no profile counts: the rules judge it, not "
    "the model, which on so little flags too many genuine accounts (21% of those seen through "
    "one post without counts, held out on Cresci-2015)"
)
"""Why an account with few posts and no declared counts is scored by the rules."""


def _rules_reason(posts: int | None, declared: bool | None) -> str | None:
    """Why the rules, not the model, judge an account; None when the model may."""
    if not posts:
        return POSTLESS
    if not declared and posts < MIN_POSTS_WITHOUT_COUNTS:
        return FEW_POSTS
    return None


def model_verdicts(
    features: pa.Table,
    rule_findings: Iterable[Finding],
    detector: LearnedDetector,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[dict[str, Any]]:
    """One verdict per feature row, scored by the model and explained by model and rules.

    The model's finding is produced for every account it scores at or above
    ``min(threshold, min_score)``, so every flagged account carries at least one finding.
    """
    rules = [f for f in rule_findings if f.detector != detector.name]
    observed = features.column("observed_posts").to_pylist()
    declared = (
        features.column("counts_declared").to_pylist()
        if "counts_declared" in features.column_names
        else [True] * features.num_rows
    )
    reasons = [
        _rules_reason(posts, counts) for posts, counts in zip(observed, declared, strict=True)
    ]
    judged = pa.array([reason is None for reason in reasons], pa.bool_())
    floor = min(threshold, float(detector.thresholds["min_score"]))
    # Explaining costs SHAP values per row: only for the accounts the model judges.
    model_findings = detector.explain(features.filter(judged), min_score=floor)
    probabilities = detector.predict(features)
    results = verdicts(features, [*rules, *model_findings], threshold)
    rule_only = verdicts(features, rules, threshold)
    by_account = {(f.platform, f.account_id): f for f in model_findings}
    for verdict, rule_verdict, p, reason in zip(
        results, rule_only, probabilities, reasons, strict=True
    ):
        if reason is not None:
            verdict.update(
                score=rule_verdict["score"],
                flagged=rule_verdict["flagged"],
                patterns=rule_verdict["patterns"],
                findings=rule_verdict["findings"],
                model_score=round(float(p), 4),
                rule_score=rule_verdict["score"],
                scored_by="rules",
                scored_by_reason=reason,
            )
            continue
        unseen = [
            f["score"] for f in rule_verdict["findings"] if f["pattern"] not in MODEL_PATTERNS
        ]
        score = max([float(p), *unseen])
        flagged = score >= threshold
        patterns = {f["pattern"] for f in verdict["findings"] if f["detector"] != detector.name}
        own = by_account.get((verdict["platform"], verdict["account_id"]))
        if own is not None:
            patterns.add(own.pattern)
        verdict.update(
            score=round(score, 4),
            flagged=flagged,
            patterns=sorted(patterns) if flagged else [],
            model_score=round(float(p), 4),
            rule_score=rule_verdict["score"],
            scored_by="model",
        )
    return results
