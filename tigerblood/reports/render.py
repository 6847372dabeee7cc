"""Reports as one self-contained HTML file, and as JSON.

Jinja2 with autoescaping on for every template: a bio or a post that holds ``<script>`` is
shown as the text it is. Messages come from the gettext catalogue through Jinja's i18n
extension, so the templates carry English source strings and French comes from the ``.po``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tigerblood.features.compute import DESCRIPTIONS
from tigerblood.reports import plots
from tigerblood.reports.audit import AuditReport
from tigerblood.reports.behaviours import (
    ANOMALY_KINDS,
    BURST_KINDS,
    PATTERNS,
    POST_KINDS,
    SIGNAL_STATUS,
    STANDING,
)
from tigerblood.reports.count_growth import MIN_INTERVALS
from tigerblood.reports.growth import K
from tigerblood.reports.i18n import Lang, get_lang
from tigerblood.reports.mirror import (
    BehaviourResult,
    MirrorReport,
    fmt,
    population_name,
    rank,
    standing_text,
)
from tigerblood.reports.signals import NEAR

LIST_LIMIT = 200
"""Accounts or posts listed per expandable list; the JSON output holds them all."""


@cache
def _version() -> str:
    try:
        return version("tigerblood")
    except PackageNotFoundError:
        return "dev"


def localized(package: str, code: str) -> Environment:
    """The templates of ``package`` in one language: autoescaped (text from the data is inert),
    strict about undefined names, gettext installed into the globals. The reports and the web
    pages share it, so both escape and translate the same way."""
    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(get_lang(code).translations, newstyle=True)  # type: ignore[attr-defined]
    return env


@cache
def environment(code: str) -> Environment:
    """One Jinja environment of the report templates per language."""
    return localized("tigerblood.reports", code)


def _common(lang: Lang) -> dict[str, Any]:
    return {
        "lang": lang,
        "version": _version(),
        "generated": lang.day(dt.datetime.now(dt.UTC).date()),
        "limit": LIST_LIMIT,
        "patterns": PATTERNS,
        "kinds": {**BURST_KINDS, **POST_KINDS},
    }


def audit_lists(report: AuditReport) -> dict[str, dict[str, Any]]:
    """Per group, the accounts behind each number (all, flagged, per pattern, ok, unjudged)."""
    out: dict[str, dict[str, Any]] = {}
    groups = (("followers", report.followers), ("repliers", report.repliers))
    for name, group in (*groups, ("likers", report.likers)):
        flagged = [m for m in group.members if m.flagged]
        by_pattern = {
            p: [m for m in flagged if p in (m.patterns or ["unspecified"])] for p in group.patterns
        }
        out[name] = {
            "all": group.members,
            "flagged": flagged,
            "patterns": by_pattern,
            "ok": [m for m in group.members if m.judged and not m.flagged],
            "unjudged": [m for m in group.members if not m.judged],
        }
    return out


def _bars(lang: Lang, group: str, lists: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {
            "label": lang.gettext("not flagged"),
            "count": len(lists["ok"]),
            "anchor": f"{group}-ok",
            "kind": "ok",
        }
    ]
    rows += [
        {
            "label": lang.gettext(PATTERNS.get(p, p)),
            "count": len(m),
            "anchor": f"{group}-p-{p}",
            "kind": "flagged",
        }
        for p, m in lists["patterns"].items()
    ]
    if lists["unjudged"]:
        rows.append(
            {
                "label": lang.gettext("no data to judge"),
                "count": len(lists["unjudged"]),
                "anchor": f"{group}-unjudged",
                "kind": "unjudged",
            }
        )
    return plots.hbars(rows)


def audit_html(report: AuditReport, lang: Lang | None = None) -> str:
    """The audit as one HTML page."""
    lang = lang or get_lang("en")
    lists = audit_lists(report)
    members = {m.account_id: m for m in report.followers.members}
    return (
        environment(lang.code)
        .get_template("audit.html")
        .render(
            **_common(lang),
            r=report,
            g=report.growth,
            k=K,
            anomalies=ANOMALY_KINDS,
            min_intervals=MIN_INTERVALS,
            chart=plots.growth(report.growth.days, report.growth.bursts),
            lists=lists,
            fbars=_bars(lang, "followers", lists["followers"]),
            rbars=_bars(lang, "repliers", lists["repliers"]),
            lbars=_bars(lang, "likers", lists["likers"]),
            cg=report.count_growth,
            count_chart=plots.count_line(report.count_growth.points, report.count_growth.intervals),
            members_of=lambda ids: [members[i] for i in ids],
        )
    )


def _mirror_context(report: MirrorReport, lang: Lang) -> dict[str, Any]:
    """What the mirror's templates (the page and its charts alone) are rendered with."""

    def tick(b: BehaviourResult, v: float) -> str:
        return lang.pct(v) if b.behaviour.unit == "share" else lang.num(v, 3)

    return {
        **_common(lang),
        "r": report,
        "strips": {b.behaviour.feature: plots.strip(b) for b in report.behaviours},
        "standing": STANDING,
        "signal_status": SIGNAL_STATUS,
        "gates": {d.detector: d.gate for d in report.detectors},
        "descriptions": DESCRIPTIONS,
        "value": lambda b: fmt(lang, b.behaviour.unit, b.value),
        "fmt": lambda b, v: fmt(lang, b.behaviour.unit, v),
        "fmt_tick": tick,
        "rank": lambda s: rank(lang, s),
        "standing_text": lambda b: standing_text(lang, b),
        "population": lambda s: population_name(lang, s.population),
        "ref": report.reference,
        "near": NEAR,
    }


def mirror_html(report: MirrorReport, lang: Lang | None = None) -> str:
    """The mirror as one HTML page."""
    lang = lang or get_lang("en")
    template = environment(lang.code).get_template("mirror.html")
    return template.render(**_mirror_context(report, lang))


def behaviour_charts(report: MirrorReport, lang: Lang, mirror_link: str) -> Markup:
    """The mirror's behaviour charts alone (most telling first), as escaped HTML to embed in
    another page: the web app's account page shows them beside the verdict. ``mirror_link``
    is where each chart's title leads (the mirror page, which explains it)."""
    template = environment(lang.code).get_template("behaviour_charts.html")
    return Markup(template.render(**_mirror_context(report, lang), mirror_link=mirror_link))


def to_json(report: AuditReport | MirrorReport, lang: Lang | None = None) -> bytes:
    """The report as indented JSON (``--json``)."""
    data = report.to_json(lang)
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
