"""The mirror: the detectors turned on an account itself, to see it as others see it.

For each behaviour that reads as manufactured engagement, where the account stands among genuine
accounts (the shipped Cresci-2015 reference, and the unflagged accounts of the data scanned),
which detector thresholds it meets or nearly meets, and plain advice that quotes the genuine
figure. Definitions are in ``docs/reports.md``. Example::

    report = mirror(store, "avelinaforbe")
    [(b.behaviour.feature, b.standing, b.advice(get_lang("fr"))) for b in report.behaviours]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tigerblood.reports.audit import AccountNotFoundError
from tigerblood.reports.behaviours import BEHAVIOURS, Behaviour
from tigerblood.reports.i18n import N_, Lang, get_lang
from tigerblood.reports.posts import behind
from tigerblood.reports.reference import (
    Standing,
    against_local,
    against_reference,
    local_population,
    provenance,
)
from tigerblood.reports.signals import DetectorCheck, SignalCheck, check
from tigerblood.reports.target import Target, ensure_judged, resolve, verdict_of
from tigerblood.store import Store


@dataclass
class BehaviourResult:
    """One behaviour of the account: value, standings, signals and the genuine limit quoted."""

    behaviour: Behaviour
    value: float | None
    standing: str  # trips | near | unusual | typical | unknown
    reference: Standing | None
    local: Standing | None
    signals: list[SignalCheck]
    limit: float | None
    limit_source: str | None  # "reference" | "scanned"

    def advice(self, lang: Lang) -> str | None:
        """The plain sentence for this behaviour, or None when it is typical or unmeasurable."""
        if self.standing in {"typical", "unknown"} or self.limit is None:
            return None
        text = lang.gettext(self.behaviour.advice) % {
            "value": fmt(lang, self.behaviour.unit, self.value),
            "limit": fmt(lang, self.behaviour.unit, self.limit),
        }
        return f"{text} {lang.gettext(self.behaviour.tip)}"


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

    def to_json(self, lang: Lang | None = None) -> dict[str, Any]:
        """A plain dict; advice is worded in ``lang`` (English by default)."""
        lang = lang or get_lang("en")
        behaviours = []
        for result in self.behaviours:
            item = asdict(result)
            item["feature"] = result.behaviour.feature
            item["label"] = lang.gettext(result.behaviour.label)
            item["advice"] = result.advice(lang)
            item.pop("behaviour")
            behaviours.append(item)
        data = {k: v for k, v in asdict(self).items() if k != "behaviours"}
        data["target"] = {**asdict(self.target), "key": self.target.key}
        return {"report": "mirror", **data, "behaviours": behaviours}


BELOW = N_("below the 1st")
ABOVE = N_("above the 99th")


def rank(lang: Lang, standing: Standing) -> str:
    """A percentile as people read it; outside the stored points, "below the 1st" and so on."""
    if standing.outside:
        return lang.gettext(BELOW if standing.outside < 0 else ABOVE)
    return lang.num(standing.percentile)


def fmt(lang: Lang, unit: str, value: float | None) -> str:
    """A behaviour's value as people read it: shares in %, other numbers to 2 decimals."""
    if unit == "share":
        return lang.pct(value)
    return lang.num(value, 2)


def _standing(
    b: Behaviour, value: float | None, signals: list[SignalCheck], ref: Standing | None
) -> str:
    """trips/near come only from signals on the behaviour's suspicious side, of detectors whose
    required signals are met or nearly met; otherwise the genuine percentile decides."""
    if value is None:
        return "unknown"
    states = {s.status for s in signals}
    if "trips" in states:
        return "trips"
    if "near" in states:
        return "near"
    if ref is not None and (ref.percentile > 95 if b.suspicious == "high" else ref.percentile < 5):
        return "unusual"
    return "typical"


def assess(
    store: Store, target: Target, b: Behaviour, row: dict[str, Any], detectors: list[DetectorCheck]
) -> BehaviourResult:
    """One behaviour of ``target`` against both references and every detector signal on it."""
    value = row.get(b.feature)
    value = None if value is None else float(value)
    signals = [s for d in detectors for s in d.signals if s.feature == b.feature]
    side = ">" if b.suspicious == "high" else "<"
    counting = [
        s
        for d in detectors
        if d.gate != "closed"
        for s in d.signals
        if s.feature == b.feature and s.op.startswith(side)
    ]
    ref = against_reference(b.feature, value) if value is not None else None
    local = None
    if value is not None:
        population = local_population(store, b.feature, target.platform, target.account_id)
        local = against_local(population, value)
    basis, source = (ref, "reference") if ref is not None else (local, "scanned")
    limit = None
    if basis is not None:
        limit = basis.p95 if b.suspicious == "high" else basis.p5
    standing = _standing(b, value, counting, basis)
    return BehaviourResult(
        b, value, standing, ref, local, signals, limit, source if basis is not None else None
    )


def mirror(store: Store, account: str) -> MirrorReport:
    """Mirror ``account`` (handle, id or ``platform:id``) as held in ``store``.

    Runs :func:`tigerblood.scan.judge` first when the store holds no verdicts yet.
    """
    ensure_judged(store)
    target = resolve(store, account)
    if target is None:
        raise AccountNotFoundError(account)
    table = store.arrow(
        "SELECT * FROM features WHERE platform = ? AND account_id = ?",
        [target.platform, target.account_id],
    ).to_pylist()
    row = table[0] if table else {}
    detectors = check(row) if row else []
    columns = {
        r[0]
        for r in store.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'features'"
        )
    }
    shown = [b for b in BEHAVIOURS if not b.optional or b.feature in columns]
    results = [assess(store, target, b, row, detectors) for b in shown]
    posts = behind(store, target, row)
    return MirrorReport(target, verdict_of(store, target), results, detectors, posts, row)
