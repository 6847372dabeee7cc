"""The mirror: the detectors turned on an account itself, to see it as others see it.

For each behaviour that reads as manufactured engagement, where the account stands among genuine
accounts (the shipped Cresci-2015 reference, else the unflagged accounts of its platform in the
data scanned; each named, and none when neither measures it: "no reference"), which detector
thresholds it meets or nearly meets, and advice a person can act on. Lines whose value the data
cannot give say why. Definitions are in ``docs/reports.md``. Example::

    report = mirror(store, "avelinaforbe")
    [(b.behaviour.feature, b.standing, b.advice(get_lang("fr"))) for b in report.ranked()]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tigerblood.features.borrowed import RATIO
from tigerblood.reports.audit import AccountNotFoundError
from tigerblood.reports.behaviours import BEHAVIOURS, SCANNED_STANDING, STANDING, Behaviour
from tigerblood.reports.i18n import N_, Lang, get_lang
from tigerblood.reports.populations import Populations
from tigerblood.reports.posts import behind
from tigerblood.reports.reference import (
    Population,
    Scanned,
    Standing,
    against_local,
    against_reference,
    provenance,
    scanned,
    scanned_population,
)
from tigerblood.reports.signals import DetectorCheck, SignalCheck, check
from tigerblood.reports.target import Target, ensure_judged, resolve, verdict_of
from tigerblood.reports.unmeasured import REASONS, reason, supported
from tigerblood.store import Store

ORDER = {"trips": 0, "near": 1, "unusual": 2, "typical": 3, "no_reference": 4, "unknown": 5}
"""How strongly a standing speaks, for putting lines in order (lowest first)."""

ADVISED = frozenset({"trips", "near", "unusual"})
"""Standings that get advice: a detector threshold met or nearly met, or beyond the population's
5th-95th percentile range."""

HIGH_LIMIT = N_("%(population)s stay under %(limit)s.")
LOW_LIMIT = N_("%(population)s rarely go below %(limit)s.")
NO_REFERENCE = N_("No population measures this behaviour yet, so it is not compared with one.")
REFERENCE_NAMED = N_("Genuine accounts of %(source)s (%(platform)s, %(years)s, %(n)s accounts)")
SCANNED_NAMED = N_("Unflagged accounts in this data (%(platform)s, %(years)s, %(n)s accounts)")
SCANNED_UNDATED = N_("Unflagged accounts in this data (%(platform)s, %(n)s accounts)")
PLATFORMS = {"twitter": "Twitter", "bluesky": "Bluesky", "mastodon": "Mastodon"}
SOURCES = {"cresci-2015": "Cresci-2015"}


def population_name(lang: Lang, population: Population | None) -> str | None:
    """Who a standing compares with, in words: platform, source, years, size."""
    if population is None:
        return None
    values = {
        "source": SOURCES.get(population.source, population.source),
        "platform": PLATFORMS.get(population.platform, population.platform),
        "years": population.years,
        "n": lang.num(population.accounts),
    }
    if population.kind == "reference":
        return lang.gettext(REFERENCE_NAMED) % values
    return lang.gettext(SCANNED_NAMED if population.years else SCANNED_UNDATED) % values


@dataclass
class BehaviourResult:
    """One behaviour of the account: value, standings, signals and the limit quoted."""

    behaviour: Behaviour
    value: float | None
    standing: str  # trips | near | unusual | typical | no_reference | unknown
    reference: Standing | None
    local: Standing | None
    signals: list[SignalCheck]
    limit: float | None
    limit_source: str | None  # "reference" | "scanned"
    companion: float | None = None
    reason: str | None = None  # why the value is unknown (a key of unmeasured.REASONS)

    @property
    def basis(self) -> Standing | None:
        """The standing the line is judged by: the reference's, else the scanned data's."""
        return self.reference if self.reference is not None else self.local

    @property
    def population(self) -> Population | None:
        """The population the line is compared with (None: no reference)."""
        basis = self.basis
        return basis.population if basis is not None else None

    def advice(self, lang: Lang) -> str | None:
        """What the line says and what to do about it, for a line that meets or nearly meets a
        detector threshold or stands beyond the population's usual range; else None."""
        statement = self.statement(lang)
        if self.standing not in ADVISED or statement is None:
            return None
        b = self.behaviour
        parts = [statement]
        named = population_name(lang, self.population)
        if named is not None and self.limit is not None:
            limit = HIGH_LIMIT if b.suspicious == "high" else LOW_LIMIT
            parts.append(
                lang.gettext(limit) % {"population": named, "limit": fmt(lang, b.unit, self.limit)}
            )
        else:
            parts.append(lang.gettext(NO_REFERENCE))
        parts.append(lang.gettext(b.tip))
        return " ".join(parts)

    def statement(self, lang: Lang) -> str | None:
        """The value in a sentence, with its companion's when known (None: no value)."""
        if self.value is None:
            return None
        b = self.behaviour
        values = {"value": fmt(lang, b.unit, self.value), "ratio": lang.num(RATIO)}
        parts = [lang.gettext(b.says) % values]
        if b.companion is not None and self.companion is not None:
            said = fmt(lang, b.companion.unit, self.companion)
            parts.append(lang.gettext(b.companion.says) % {"companion": said})
        return " ".join(parts)

    def why(self, lang: Lang) -> str | None:
        """Why the value is unknown, in words (None when it is known)."""
        return lang.gettext(REASONS[self.reason]) if self.reason else None


@dataclass
class MirrorReport:
    """Everything the mirror shows; :meth:`to_json` is the ``--json`` output."""

    target: Target
    verdict: dict[str, Any] | None
    behaviours: list[BehaviourResult]
    detectors: list[DetectorCheck]
    posts: dict[str, dict[str, Any]]
    features: dict[str, Any]
    reference: dict[str, Any] = field(default_factory=provenance)

    def ranked(self) -> list[BehaviourResult]:
        """The lines in the order a person should read them: thresholds met, then nearly met,
        then unusual, the lines of a pattern a detector finds first; table order otherwise."""
        found = {d.pattern for d in self.detectors if d.fires}
        found |= set((self.verdict or {}).get("patterns") or [])
        order = {id(r): i for i, r in enumerate(self.behaviours)}

        def key(r: BehaviourResult) -> tuple[int, int, int]:
            own = 0 if found & set(r.behaviour.patterns) else 1
            return ORDER[r.standing], own, order[id(r)]

        return sorted(self.behaviours, key=key)

    def unmeasured(self, lang: Lang) -> dict[str, list[str]]:
        """Each reason some lines cannot be measured, in words, with those lines' labels."""
        out: dict[str, list[str]] = {}
        for r in self.behaviours:
            why = r.why(lang)
            if why is not None:
                out.setdefault(why, []).append(lang.gettext(r.behaviour.label))
        return out

    def to_json(self, lang: Lang | None = None) -> dict[str, Any]:
        """A plain dict; advice and reasons are worded in ``lang`` (English by default)."""
        lang = lang or get_lang("en")
        behaviours = []
        for result in self.behaviours:
            item = asdict(result)
            item["feature"] = result.behaviour.feature
            item["label"] = lang.gettext(result.behaviour.label)
            item["patterns"] = list(result.behaviour.patterns)
            item["advice"] = result.advice(lang)
            item["population"] = population_name(lang, result.population)
            item["why_unknown"] = result.why(lang)
            item.pop("behaviour")
            behaviours.append(item)
        data = {k: v for k, v in asdict(self).items() if k != "behaviours"}
        data["target"] = {**asdict(self.target), "key": self.target.key}
        ranked = [r.behaviour.feature for r in self.ranked()]
        return {"report": "mirror", **data, "behaviours": behaviours, "ranked": ranked}


def standing_text(lang: Lang, b: BehaviourResult) -> str:
    """A line's standing in words; against the scanned data it says so (unflagged accounts are
    not known to be genuine)."""
    scanned_only = b.reference is None and b.local is not None
    words = SCANNED_STANDING if scanned_only and b.standing in SCANNED_STANDING else STANDING
    return lang.gettext(words[b.standing])


BELOW = N_("below the 1st")
ABOVE = N_("above the 99th")


def rank(lang: Lang, standing: Standing) -> str:
    """A percentile as people read it; outside the stored points, "below the 1st" and so on."""
    if standing.outside:
        return lang.gettext(BELOW if standing.outside < 0 else ABOVE)
    return lang.num(standing.percentile)


def fmt(lang: Lang, unit: str, value: float | None) -> str:
    """A behaviour's value as people read it: shares in %, counts whole, others to 2 decimals."""
    if unit == "share":
        return lang.pct(value)
    if unit == "count":
        return lang.num(value)
    return lang.num(value, 2)


def place(
    b: Behaviour,
    value: float | None,
    counting: list[SignalCheck],
    basis: Standing | None,
) -> str:
    """The line's standing. trips/near come only from ``counting`` signals (those on the
    behaviour's suspicious side, of detectors whose required signals are met or nearly met);
    otherwise the population's percentile decides, and without a population there is no
    standing ("no_reference")."""
    if value is None:
        return "unknown"
    states = {s.status for s in counting}
    if "trips" in states:
        return "trips"
    if "near" in states:
        return "near"
    if basis is None:
        return "no_reference"
    beyond = basis.percentile > 95 if b.suspicious == "high" else basis.percentile < 5
    return "unusual" if beyond else "typical"


def result_of(
    b: Behaviour,
    row: dict[str, Any],
    detectors: list[DetectorCheck],
    ref: Standing | None,
    local: Standing | None,
) -> BehaviourResult:
    """One behaviour of a feature row against the two populations and every detector signal."""
    value = _value(b, row)
    signals = [s for d in detectors for s in d.signals if s.feature == b.feature]
    side = ">" if b.suspicious == "high" else "<"
    counting = [
        s
        for d in detectors
        if d.gate != "closed"
        for s in d.signals
        if s.feature == b.feature and s.op.startswith(side)
    ]
    basis, source = (ref, "reference") if ref is not None else (local, "scanned")
    limit = None
    if basis is not None:
        limit = basis.p95 if b.suspicious == "high" else basis.p5
    companion = row.get(b.companion.feature) if b.companion is not None else None
    return BehaviourResult(
        b,
        value,
        place(b, value, counting, basis),
        ref,
        local,
        signals,
        limit,
        source if basis is not None else None,
        None if companion is None else float(companion),
        reason(b.needs, row) if value is None else None,
    )


def _value(b: Behaviour, row: dict[str, Any]) -> float | None:
    """The feature's value, unless the data cannot support it (a rate without times)."""
    value = row.get(b.feature)
    if value is None or ("times" in b.needs and not supported(row)):
        return None
    return float(value)


def assess(
    store: Store,
    target: Target,
    b: Behaviour,
    row: dict[str, Any],
    detectors: list[DetectorCheck],
    data: Scanned | None = None,
) -> BehaviourResult:
    """One behaviour of ``target`` against both populations and every detector signal."""
    value = _value(b, row)
    if data is None:
        data = scanned(store, [b.feature], target.platform, target.account_id)
    ref = local = None
    if value is not None:
        ref = against_reference(b.feature, value)
        named = scanned_population(data, b.feature)
        local = against_local(data.population(b.feature), value, named)
    return result_of(b, row, detectors, ref, local)


def measured(columns: set[str]) -> list[str]:
    """The behaviours' features that the features table (``columns``) holds, in table order:
    what the scanned population is read for."""
    shown = [b for b in BEHAVIOURS if b.feature in columns or not b.optional]
    return [b.feature for b in shown if b.feature in columns]


def mirror(
    store: Store, account: str, evidence: bool = True, populations: Populations | None = None
) -> MirrorReport:
    """Mirror ``account`` (handle, id or ``platform:id``) as held in ``store``.

    Runs :func:`tigerblood.scan.judge` first when the store holds no verdicts yet. Without
    ``evidence`` the posts behind each number are left out (``posts`` empty): what a page
    showing only the behaviour charts needs, at a third of the cost. ``populations``: the
    unflagged accounts already read, for a store that cannot change (a server's).
    """
    ensure_judged(store)
    target = resolve(store, account)
    if target is None:
        raise AccountNotFoundError(account)
    features = store.arrow(
        "SELECT * FROM features WHERE platform = ? AND account_id = ?",
        [target.platform, target.account_id],
    )
    table = features.to_pylist()
    row = table[0] if table else {}
    detectors = check(row) if row else []
    columns = set(features.column_names)  # the table's columns, even when the account has no row
    shown = [b for b in BEHAVIOURS if b.feature in columns or not b.optional]
    present = measured(columns)
    if populations is not None:
        data = populations.scanned(store, present, target.platform, target.account_id)
    else:
        data = scanned(store, present, target.platform, target.account_id)
    results = [assess(store, target, b, row, detectors, data) for b in shown]
    posts = behind(store, target, row) if evidence else {}
    return MirrorReport(target, verdict_of(store, target), results, detectors, posts, row)
