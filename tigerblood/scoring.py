"""Findings into verdicts: one per account with score, flagged, patterns and reasons (DESIGN §3.3).

Rule findings combine by noisy-OR: each finding is treated as independent evidence, so two
moderate findings make a stronger case than either alone, and the score never exceeds 1.

An account whose profile declares it a bot (``declared_bot``) is judged on what it does beyond
automation (:func:`declare`): automation is what it says it is, not manufactured engagement
(DESIGN §3.3), but a declaration excuses no link spam, follow farming or campaign. A brand or
service account, one whose most repeated link points at its own site, is judged the same way on
what it does beyond automation and broadcasting its own links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
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


DECLARED_REASON = "declares itself a bot; automation alone is not manufactured engagement"
"""``declared_reason`` of a declared bot that is not flagged."""

DECLARED_FLAGGED = "declares itself a bot, and is flagged for what a declaration does not excuse"
"""``declared_reason`` of a declared bot flagged on rule evidence beyond automation."""

SERVICE_REASON = (
    "publishes its own site {site}: {count} of its posts carry its most repeated link {link}; a "
    "brand or service promoting its own content is not manufactured engagement"
)
"""``declared_reason`` of a brand or service account that is not flagged."""

SERVICE_FLAGGED = (
    "publishes its own site {site}, and is flagged for what publishing one's own site does not "
    "excuse"
)
"""``declared_reason`` of a brand or service account flagged on other rule evidence."""


@dataclass(frozen=True)
class Declaration:
    """What an account is by its own profile, and the rule patterns that being it explains.

    A declaration never excuses link-reply spam, follow farming or harvesting, pitches or
    campaigns: those are what manufactured engagement is, whoever does them. The learned
    model's finding is not counted either: in an account that says what it is, what it
    resembles is what it declares.
    """

    kind: str
    """``bot`` (the profile's own bot flag) or ``service`` (it publishes its own site)."""
    excused: frozenset[str]
    """Rule patterns that do not flag it on their own."""
    reason: str
    flagged_reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    """What the declaration rests on, for the verdict (``declared_evidence``)."""

    def beyond(self, findings: Iterable[dict[str, Any]]) -> list[float]:
        """Scores of the rule findings (as in a verdict) whose pattern it does not excuse."""
        return [f["score"] for f in findings if f["pattern"] not in self.excused]


BOT = Declaration("bot", frozenset({"automation"}), DECLARED_REASON, DECLARED_FLAGGED)

SERVICE_EXCUSED = frozenset({"automation", "promotional_broadcast"})
"""A brand, a newsroom or a status service posts its own links to everyone, often by schedule."""


def _column(features: pa.Table, name: str) -> list[Any]:
    if name not in features.column_names:
        return [None] * features.num_rows
    return features.column(name).to_pylist()


def declarations(features: pa.Table) -> list[Declaration | None]:
    """Per row, what the profile declares the account to be (None: nothing).

    A declared bot is a bot whatever it links to; otherwise an account whose most repeated link
    points at its own site (``top_url_on_own_site``, :mod:`tigerblood.features.profile`) is a
    brand or service publishing itself.
    """
    rows = zip(
        _column(features, "declared_bot"),
        _column(features, "top_url_on_own_site"),
        _column(features, "own_site"),
        _column(features, "top_url"),
        _column(features, "top_url_repeat_count"),
        strict=True,
    )
    out: list[Declaration | None] = []
    for bot, on_site, site, link, count in rows:
        if bot is True:
            out.append(BOT)
        elif on_site is True:
            values = {"site": site, "link": link, "count": count or 0}
            out.append(
                Declaration(
                    "service",
                    SERVICE_EXCUSED,
                    SERVICE_REASON.format(**values),
                    SERVICE_FLAGGED.format(**values),
                    {"own_site": site, "top_url": link, "top_url_repeat_count": count},
                )
            )
        else:
            out.append(None)
    return out


def declare(
    verdict: dict[str, Any], declaration: Declaration, evidence: float, threshold: float
) -> None:
    """Word ``verdict`` for an account that declares what it is, in place.

    ``score`` becomes ``evidence`` (the score of the rule findings the declaration does not
    excuse, combined as the verdict's own scorer combines rule findings), never above the score
    as it was, which is kept as ``undeclared_score``; ``flagged`` stays ``score >= threshold``,
    so only manipulative evidence flags. ``declared`` says what it is and ``declared_reason`` why.
    """
    score = min(verdict["score"], round(evidence, 4))
    flagged = score >= threshold
    verdict.update(
        score=score,
        flagged=flagged,
        patterns=verdict["patterns"] if flagged else [],
        declared=declaration.kind,
        declared_reason=declaration.flagged_reason if flagged else declaration.reason,
        undeclared_score=verdict["score"],
    )
    if declaration.evidence:
        verdict["declared_evidence"] = declaration.evidence


def verdicts(
    features: pa.Table,
    findings: Iterable[Finding],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    declare_profiles: bool = True,
) -> list[dict[str, Any]]:
    """One verdict per account in ``features``, strongest findings first.

    With ``declare_profiles`` (the default) accounts that declare what they are
    (:func:`declarations`) are judged by :func:`declare`; a caller that rescores the verdicts
    (``learn.combine``) turns it off and declares after.
    """
    by_account: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        by_account[(finding.platform, finding.account_id)].append(finding)
    out = []
    cols = features.select(["platform", "account_id", "handle"]).to_pylist()
    declared = declarations(features) if declare_profiles else [None] * len(cols)
    for row, declaration in zip(cols, declared, strict=True):
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
        if declaration is not None:
            declare(
                verdict, declaration, combine(declaration.beyond(verdict["findings"])), threshold
            )
        out.append(verdict)
    return out
