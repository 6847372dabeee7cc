"""The terminal summary of a report: the few numbers a person reads first, then where the HTML
is. Every value from the data goes through rich's escaping (a handle like ``[red]x`` stays text).
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tigerblood.reports.audit import AuditReport
from tigerblood.reports.behaviours import ANOMALY_KINDS, BURST_KINDS, PATTERNS
from tigerblood.reports.i18n import Lang
from tigerblood.reports.mirror import MirrorReport, fmt, rank, standing_text


def audit_summary(report: AuditReport, lang: Lang, console: Console) -> None:
    """Quality score, followers and repliers flagged per pattern, bursts."""
    _ = lang.gettext
    table = Table(
        title=escape(_("Audience audit: %(name)s") % {"name": report.target.name}),
        show_header=False,
    )
    if report.quality is not None and report.quality_interval:
        low, high = report.quality_interval
        table.add_row(
            _("Audience quality"),
            f"{lang.num(report.quality)}/100 ({lang.num(low)}–{lang.num(high)})",
        )
    fol, rep = report.followers, report.repliers
    declared = report.declared_followers
    seen = lang.num(len(fol.members))
    table.add_row(
        _("Followers observed"), seen if declared is None else f"{seen} / {lang.num(declared)}"
    )
    flagged = f"{lang.num(fol.flagged)} ({lang.pct(fol.flagged_share)})"
    table.add_row(_("Followers flagged"), flagged)
    for pattern, n in fol.patterns.items():
        table.add_row(f"  {escape(_(PATTERNS.get(pattern, pattern)))}", lang.num(n))
    table.add_row(_("Replied or mentioned"), lang.num(len(rep.members)))
    table.add_row(_("Repliers flagged"), lang.num(rep.flagged))
    for pattern, n in rep.patterns.items():
        table.add_row(f"  {escape(_(PATTERNS.get(pattern, pattern)))}", lang.num(n))
    posts = lang.num(len(report.flagged_posts))
    table.add_row(_("Replies and mentions from flagged accounts"), posts)
    if report.likes_received:
        likes = lang.num(len(report.flagged_likes))
        table.add_row(
            _("Likes from flagged accounts"),
            f"{likes} / {lang.num(report.likes_received)}",
        )
    for n, burst in enumerate(report.growth.bursts, start=1):
        table.add_row(
            _("Burst %(n)s") % {"n": n},
            f"{lang.day(burst.start)}: {lang.num(burst.new_followers)} · "
            f"{lang.pct(burst.flagged_share)} · {_(BURST_KINDS[burst.kind])}",
        )
    for item in report.count_growth.anomalies:
        if item.anomaly is None:  # anomalies are the intervals that have one
            continue
        table.add_row(
            escape(_(ANOMALY_KINDS[item.anomaly])),
            f"{lang.day(item.start[:10])}–{lang.day(item.end[:10])}: "
            f"{lang.num(item.before)} → {lang.num(item.after)}",
        )
    console.print(table)
    paragraph = " ".join(report.plain_words(lang))
    if paragraph:
        console.print(escape(paragraph))
    if "no_followers_observed" in report.notes:
        console.print(
            escape(
                _(
                    "No followers of this account are in the data: only repliers and "
                    "mentioners are audited."
                )
            )
        )
    if report.is_sample and declared:
        low, high = fol.interval
        console.print(
            escape(
                _(
                    "Only a sample of the followers is in the data; the flagged share "
                    "lies between %(low)s and %(high)s (95%% Wilson interval)."
                )
                % {"low": lang.pct(low), "high": lang.pct(high)}
            )
        )


def mirror_summary(report: MirrorReport, lang: Lang, console: Console) -> None:
    """Each behaviour's value and standing, then the advice."""
    _ = lang.gettext
    table = Table(title=escape(_("Mirror: %(name)s") % {"name": report.target.name}))
    table.add_column(_("Behaviour"))
    table.add_column(_("This account"), justify="right")
    table.add_column(_("Percentile"), justify="right")
    table.add_column(_("Standing"))
    for b in report.ranked():
        basis = b.reference or b.local
        pct = rank(lang, basis) if basis else "—"
        style = {"trips": "red", "unusual": "red", "near": "yellow"}.get(b.standing, "")
        standing = escape(standing_text(lang, b))
        table.add_row(
            escape(_(b.behaviour.label)),
            fmt(lang, b.behaviour.unit, b.value),
            pct,
            f"[{style}]{standing}[/{style}]" if style else standing,
        )
    console.print(table)
    for b in report.ranked():
        advice = b.advice(lang)
        if advice:
            console.print(f"• {escape(advice)}")
    for why, labels in report.unmeasured(lang).items():
        console.print(f"[dim]{escape(why)} ({escape(', '.join(labels))})[/dim]")
