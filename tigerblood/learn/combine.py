"""Verdicts when the learned model is on: ``score`` is the model's calibrated probability.

Why not fold the model into the noisy-OR of :mod:`tigerblood.scoring`: noisy-OR treats findings
as independent evidence, but the rules read the very features the model already weighs, so adding
them again counts the same evidence twice and pushes every score up; the result would no longer
be a calibrated probability, which ``score`` promises (DESIGN §3.3). So:

- ``score`` is the model's calibrated probability, except where a rule finds a pattern the model
  was never trained on (``MODEL_PATTERNS`` lists what it learned): then the score is the larger of
  the model's probability and that rule finding's score. The rules stay in the score for what the
  model cannot know (link-reply spam, automation, ...), without counting twice what it does know;
- ``flagged = score >= threshold``, the threshold given, or else the model's own for the
  account's platform (:meth:`tigerblood.learn.model.LearnedModel.threshold_for`), which each
  verdict names in ``threshold``;
- rule findings stay in ``findings`` as checkable evidence, and their patterns make
  ``patterns`` when the account is flagged; the model's finding, named after what it learned
  (``resembles_known_fakes``), is in ``findings`` but names no behaviour, so an account flagged
  by the model alone has empty ``patterns`` and says so through its finding;
- ``rule_score`` (the rules' noisy-OR) and ``model_score`` are added, so a disagreement is
  visible: the model only knows the behaviours in its training data (the default model: purchased
  followers), and a rule may see a pattern it was never shown, such as link-reply spam;
- an account with no posts in the data is outside what the model learned (see :data:`POSTLESS`),
  and so is one with few posts and no declared counts (:data:`MIN_POSTS_WITHOUT_COUNTS`): its
  verdict is the rules' (``scored_by: "rules"``, with the reason), the model's probability still
  shown as ``model_score``;
- an account whose profile declares it a bot carries ``declared: "bot"`` and is scored on its
  rule findings beyond automation (:func:`tigerblood.scoring.declare`): neither the automation
  rule nor the model's resemblance to known fakes flags it alone, since a bot that says so is
  not manufactured engagement; ``undeclared_score`` keeps the score it would have had. A brand
  or service account publishing its own site carries ``declared: "service"`` and is scored the
  same way on what it does beyond automation and broadcasting its own links.

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
from tigerblood.scoring import (
    DEFAULT_THRESHOLD,
    combine,
    declarations,
    declare,
    verdicts,
)

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


def cautious_threshold(threshold: float) -> float:
    """The model probability that flags an account of a platform without a reference: halfway
    from the threshold to certainty. Measured leaving InstaFake out (no Instagram account in
    training, threshold 0.46, caution at 0.73): flagged share 17.3% -> 12.9% (true: 16.8%),
    precision 0.81 -> 0.88, recall 0.83 -> 0.68 (docs/evaluation.md).

    >>> cautious_threshold(0.4)
    0.7
    """
    return round((1.0 + threshold) / 2.0, 4)


def discounted(p: float, threshold: float) -> float:
    """The model's probability mapped so that ``discounted >= threshold`` exactly when ``p``
    reaches :func:`cautious_threshold` (piecewise linear, monotone, 0 and 1 fixed): the verdict
    keeps ``flagged = score >= threshold`` while asking more of the model.

    >>> discounted(0.7, 0.4), discounted(0.35, 0.4), discounted(1.0, 0.4)
    (0.4, 0.2, 1.0)
    """
    c = cautious_threshold(threshold)
    if p < c:
        return round(p * threshold / c, 6)
    return round(threshold + (p - c) * (1.0 - threshold) / (1.0 - c), 6)


def no_reference_note(platform: str, known: list[str], threshold: float) -> str:
    """What the verdict says when the model has no reference for the account's platform."""
    return (
        f"no labelled {platform} accounts in the model's training data (it knows "
        f"{', '.join(known)}): judged more cautiously, the model's probability must reach "
        f"{cautious_threshold(threshold):.2f} to flag"
    )


def rules_reason(posts: int | None, declared: bool | None, profiles: bool) -> str | None:
    """Why the rules, not the model, judge an account; None when the model may. A model that
    was trained on profiles alone (``profiles``) judges accounts without posts too."""
    if not posts:
        return None if profiles and declared else POSTLESS
    if not declared and posts < MIN_POSTS_WITHOUT_COUNTS:
        return FEW_POSTS
    return None


def model_verdicts(
    features: pa.Table,
    rule_findings: Iterable[Finding],
    detector: LearnedDetector,
    threshold: float | None = DEFAULT_THRESHOLD,
) -> list[dict[str, Any]]:
    """One verdict per feature row, scored by the model and explained by model and rules.

    ``threshold`` None flags each account at the model's threshold for its platform. The
    model's finding is produced for every account it scores at or above ``min(threshold,
    min_score)``, so every flagged account carries at least one finding.
    """
    rules = [f for f in rule_findings if f.detector != detector.name]
    observed = features.column("observed_posts").to_pylist()
    declared = (
        features.column("counts_declared").to_pylist()
        if "counts_declared" in features.column_names
        else [True] * features.num_rows
    )
    reasons = [
        rules_reason(posts, counts, detector.model.judges_profiles)
        for posts, counts in zip(observed, declared, strict=True)
    ]
    judged = pa.array([reason is None for reason in reasons], pa.bool_())
    platforms = features.column("platform").to_pylist()
    at = [detector.model.threshold_for(p) if threshold is None else threshold for p in platforms]
    floor = min([*at, float(detector.thresholds["min_score"])])
    # Explaining costs SHAP values per row: only for the accounts the model judges.
    model_findings = detector.explain(features.filter(judged), min_score=floor)
    probabilities = detector.predict(features)
    results = _at_thresholds(features, [*rules, *model_findings], at)
    rule_only = _at_thresholds(features, rules, at)
    for verdict, rule_verdict, p, reason, declaration, row_threshold in zip(
        results, rule_only, probabilities, reasons, declarations(features), at, strict=True
    ):
        beyond = declaration.beyond(rule_verdict["findings"]) if declaration else []
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
                threshold=row_threshold,
            )
            if declaration:  # the rules' own way of combining: noisy-OR
                declare(verdict, declaration, combine(beyond), row_threshold)
            continue
        unseen = [
            f["score"] for f in rule_verdict["findings"] if f["pattern"] not in MODEL_PATTERNS
        ]
        model_p = float(p)
        known = detector.model.platforms
        if known and verdict["platform"] not in known:
            model_p = discounted(model_p, row_threshold)
            verdict["reference"] = no_reference_note(verdict["platform"], known, row_threshold)
        score = max([model_p, *unseen])
        flagged = score >= row_threshold
        # Behaviours are named by their own rule evidence only; the model's finding names what
        # it learned (LEARNED_PATTERN) and stays in ``findings``, not in ``patterns``.
        patterns = {f["pattern"] for f in verdict["findings"] if f["detector"] != detector.name}
        verdict.update(
            score=round(score, 4),
            flagged=flagged,
            patterns=sorted(patterns) if flagged else [],
            model_score=round(float(p), 4),
            rule_score=rule_verdict["score"],
            scored_by="model",
            threshold=row_threshold,
        )
        if declaration:  # as rule findings raise the model's score: the strongest one
            declare(verdict, declaration, max(beyond, default=0.0), row_threshold)
    return results


def _at_thresholds(
    features: pa.Table, findings: list[Finding], at: list[float]
) -> list[dict[str, Any]]:
    """:func:`tigerblood.scoring.verdicts` with row ``i`` flagged at ``at[i]`` (one pass per
    distinct threshold: one, or one per platform)."""
    runs = {t: verdicts(features, findings, t, declare_profiles=False) for t in sorted(set(at))}
    return [runs[t][i] for i, t in enumerate(at)]
