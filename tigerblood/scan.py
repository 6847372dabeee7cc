"""The scan job: sources -> store -> features -> detectors -> verdicts, with a summary.

Kept apart from the CLI so tests, the web app and benchmarks run exactly what users run.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import orjson
import pyarrow as pa

from tigerblood.campaigns import find_campaigns
from tigerblood.conversations import build_conversations
from tigerblood.detectors.base import Detector, Finding
from tigerblood.detectors.registry import build_detectors
from tigerblood.evidence import attach_posts
from tigerblood.features.compute import compute_features
from tigerblood.ingest.pipeline import IngestReport, ingest
from tigerblood.scoring import DEFAULT_THRESHOLD, verdicts
from tigerblood.store import Store


@dataclass
class ScanResult:
    """Verdicts plus what a person needs to trust them: counts per pattern and what was refused."""

    verdicts: list[dict[str, Any]]
    ingest: IngestReport
    flagged_by_pattern: Counter = field(default_factory=Counter)

    @property
    def flagged(self) -> int:
        """Accounts flagged."""
        return sum(1 for v in self.verdicts if v["flagged"])


@dataclass
class Tally:
    """What a scan's summary counts, gathered verdict by verdict (a Spark run never holds all
    its verdicts at once, so both engines count this way)."""

    accounts: int = 0
    flagged: int = 0
    flagged_by_pattern: Counter[str] = field(default_factory=Counter)
    unnamed: int = 0
    declared: Counter[str] = field(default_factory=Counter)
    """Accounts not flagged that declare what they are, by kind (``bot``, ``service``)."""
    rules_reasons: Counter[str] = field(default_factory=Counter)
    score_sum: float = 0.0
    """The model's calibrated scores added up: their mean is the expected share of inauthentic
    accounts (docs/evaluation.md, "Expected share"). Accounts the rules judged carry no
    probability and are not added."""
    calibrated: int = 0
    """Accounts whose score is the model's calibrated probability."""

    def add(self, verdict: dict[str, Any]) -> None:
        """Count one verdict."""
        self.accounts += 1
        if verdict.get("scored_by") == "model":
            self.calibrated += 1
            self.score_sum += float(verdict["score"])
        if verdict["flagged"]:
            self.flagged += 1
            self.flagged_by_pattern.update(verdict["patterns"])
            self.unnamed += not verdict["patterns"]
        elif verdict.get("declared"):
            self.declared[str(verdict["declared"])] += 1
        if verdict.get("scored_by") == "rules":
            self.rules_reasons[verdict.get("scored_by_reason") or ""] += 1

    @classmethod
    def of(cls, verdicts: Iterable[dict[str, Any]]) -> Tally:
        """The tally of ``verdicts``."""
        tally = cls()
        for verdict in verdicts:
            tally.add(verdict)
        return tally


DECLARED_ROWS = {
    "bot": "declared bots (not flagged for automation alone)",
    "service": "brand or service accounts (publishing their own site)",
}


def summary_rows(tally: Tally, report: IngestReport, out: Path | None) -> list[tuple[str, str]]:
    """The summary a person reads after a scan, as (label, value) rows: accounts, flagged per
    pattern, declarations, what the model left to the rules and why, quarantined and read
    rows, where the verdicts went."""
    from tigerblood.learn.combine import FEW_POSTS, MIN_POSTS_WITHOUT_COUNTS, POSTLESS

    rows = [("accounts", f"{tally.accounts:,}"), ("flagged", f"{tally.flagged:,}")]
    rows += [(f"  {p}", f"{n:,}") for p, n in sorted(tally.flagged_by_pattern.items())]
    if tally.unnamed:
        rows.append(("  no behaviour named (model only)", f"{tally.unnamed:,}"))
    if tally.calibrated:
        share = tally.score_sum / tally.calibrated
        label = "expected share (mean score)"
        if tally.calibrated < tally.accounts:
            label += f" of the {tally.calibrated:,} the model judged"
        rows.append((label, f"{share:.1%}"))
    rows += [
        (label, f"{tally.declared[k]:,}") for k, label in DECLARED_ROWS.items() if tally.declared[k]
    ]
    if tally.rules_reasons[POSTLESS]:
        rows.append(("judged by rules alone (no posts)", f"{tally.rules_reasons[POSTLESS]:,}"))
    if tally.rules_reasons[FEW_POSTS]:
        label = f"judged by rules alone (under {MIN_POSTS_WITHOUT_COUNTS} posts, no profile counts)"
        rows.append((label, f"{tally.rules_reasons[FEW_POSTS]:,}"))
    rows.append(("quarantined records", f"{report.quarantined:,}"))
    rows += [
        (f"{n} rows read", f"{r:,}") for n, r in sorted(report.rows.items()) if n != "quarantine"
    ]
    if out:
        rows.append(("verdicts written to", str(out)))
    return rows


def run_detectors(features: pa.Table, detectors: Iterable[Detector]) -> list[Finding]:
    """Every detector over the feature table."""
    return [f for d in detectors for f in d.detect(features)]


def store_verdicts(store: Store, results: list[dict[str, Any]]) -> None:
    """Keep verdicts in the store, one JSON per account, for ``explain`` and later reports."""
    store.sql(
        "CREATE OR REPLACE TABLE verdicts (platform VARCHAR, account_id VARCHAR, handle VARCHAR, "
        "score DOUBLE, flagged BOOLEAN, verdict JSON)"
    )
    if not results:
        return
    table = pa.table(
        {
            "platform": [v["platform"] for v in results],
            "account_id": [v["account_id"] for v in results],
            "handle": [v["handle"] for v in results],
            "score": [v["score"] for v in results],
            "flagged": [v["flagged"] for v in results],
            "verdict": [orjson.dumps(v).decode() for v in results],
        }
    )
    store.con.register("_verdicts", table)
    store.sql("INSERT INTO verdicts SELECT * FROM _verdicts")
    store.con.unregister("_verdicts")


MEMORY_LIMIT_MB = 800
MEMORY_LIMIT = f"{MEMORY_LIMIT_MB}MB"
"""DuckDB's budget during a scan. Its default (80 % of RAM) lets an in-memory store of a few
million posts plus the clustering and feature queries grow past 2.5 GB; with a budget it spills
table blocks and operator state to a temporary folder, and the Python steps (MinHash, the model)
keep their own few hundred MB on top. On Cresci-2015 (2.8 M posts), 1 GB peaked at 1.7-1.9 GB
RSS and 800 MB at 1.5 GB, in the same time (80-88 s either way, two runs each)."""


_budgets: weakref.WeakKeyDictionary[Store, int] = weakref.WeakKeyDictionary()
"""The budget :func:`bound_memory` gave a store, raised by :func:`with_room` as steps need: the
next step starts from there. A store not bounded here keeps DuckDB's default (80% of memory)."""


def bound_memory(store: Store) -> None:
    """Give the store's DuckDB :data:`MEMORY_LIMIT` and somewhere to spill.

    An in-memory store would spill to ``.tmp`` in the working directory; it gets a private
    temporary folder instead, removed when the store goes away. A file store spills beside its
    file, as DuckDB does by default.
    """
    store.sql(f"SET memory_limit = '{MEMORY_LIMIT}'")
    _budgets[store] = MEMORY_LIMIT_MB
    if store.path == ":memory:":
        folder = tempfile.mkdtemp(prefix="tigerblood-spill-")
        store.sql(f"SET temp_directory = '{folder}'")
        weakref.finalize(store, shutil.rmtree, folder, True)


MEMORY_CEILING_SHARE = 0.5
"""The most a step's budget is raised to: half of the machine's memory (the Python steps, the
model and the operating system keep the rest)."""

log = logging.getLogger(__name__)

T = TypeVar("T")


def with_room(store: Store, step: Callable[[], T], name: str) -> T:
    """Run ``step``; if DuckDB runs out of the budget :func:`bound_memory` gave the store,
    double the budget and run it again, up to :data:`MEMORY_CEILING_SHARE` of the machine's
    memory, saying so in a warning.

    Most of DuckDB's operators spill to disk, but not all (a group's list of values, a window
    over a huge partition): the feature query over 28 M posts (Cresci-2015 replicated 10x)
    failed at 800 MB. A larger collection should cost memory, not the scan. Every step retried
    here rebuilds its tables from the stored posts, so running it again is safe.
    """
    if store not in _budgets:  # DuckDB's own default budget: nothing to raise it to
        return step()
    budget = _budgets[store]
    ceiling = max(budget, int(physical_memory_mb() * MEMORY_CEILING_SHARE))
    while True:
        try:
            return step()
        except duckdb.OutOfMemoryException:
            if budget >= ceiling:
                raise
            budget = min(budget * 2, ceiling)
            log.warning("%s ran out of DuckDB's memory budget: retrying with %d MB", name, budget)
            store.sql(f"SET memory_limit = '{budget}MB'")
            _budgets[store] = budget


def physical_memory_mb() -> int:
    """This machine's memory in MB (0 where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return 0


def scan(
    sources: list[Path],
    store: Store,
    *,
    format_name: str | None = None,
    threshold: float | None = None,
    config: dict[str, dict[str, float]] | None = None,
    on_rows: Callable[[int], None] | None = None,
    use_model: bool = True,
    model_path: Path | None = None,
) -> ScanResult:
    """Load sources into ``store`` and judge every account found there (memory bounded)."""
    bound_memory(store)
    report = ingest(sources, store, format_name=format_name, on_rows=on_rows)
    return judge(
        store,
        report,
        threshold=threshold,
        config=config,
        use_model=use_model,
        model_path=model_path,
    )


def judge(
    store: Store,
    report: IngestReport | None = None,
    *,
    threshold: float | None = None,
    config: dict[str, dict[str, float]] | None = None,
    use_model: bool = True,
    model_path: Path | None = None,
) -> ScanResult:
    """Features, detectors and verdicts over what ``store`` holds.

    With the model on (default), ``score`` is the learned model's calibrated probability, raised
    by rule findings of patterns the model never learned (see ``tigerblood.learn.combine``).
    ``threshold`` None flags at the threshold the model was shipped with for the account's
    platform (chosen on its training sources, :mod:`tigerblood.learn.thresholds`), or at 0.5
    without the model.
    """
    # Python steps over the stored posts, kept as tables the feature expressions read.
    with_room(store, lambda: build_conversations(store), "finding conversations")
    with_room(store, lambda: find_campaigns(store), "finding campaigns")
    features = with_room(store, lambda: compute_features(store), "the feature query")
    findings = run_detectors(features, build_detectors(config))
    if use_model and features.num_rows:
        from tigerblood.learn.combine import model_verdicts
        from tigerblood.learn.detector import LearnedDetector

        detector = LearnedDetector(model_path)
        results = model_verdicts(features, findings, detector, threshold)
    else:
        results = verdicts(
            features, findings, DEFAULT_THRESHOLD if threshold is None else threshold
        )
    flagged_ids = {(v["platform"], v["account_id"]) for v in results if v["flagged"]}
    # Verdicts share each finding's evidence dict, so posts attached now appear in them.
    attach_posts(store, [f for f in findings if (f.platform, f.account_id) in flagged_ids])
    store_verdicts(store, results)
    counts: Counter = Counter(p for v in results if v["flagged"] for p in v["patterns"])
    return ScanResult(results, report or IngestReport(), counts)


def write_jsonl(results: list[dict[str, Any]], out: Path) -> None:
    """The verdicts as JSON Lines (DESIGN §3.3)."""
    with out.open("wb") as handle:
        for verdict in results:
            handle.write(orjson.dumps(verdict))
            handle.write(b"\n")
