"""Sources into the store: detect, read, enrich, load, count what was quarantined.

One unreadable source is reported and skipped; the others still load. ``labels`` are loaded only
when asked (``learn`` and ``eval``), so a scan can never peek at the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tigerblood.ingest.base import SourceError
from tigerblood.ingest.entities import start_enrich
from tigerblood.ingest.registry import detect, read_source
from tigerblood.store import Store


@dataclass
class IngestReport:
    """What a load did: rows offered per table, quarantined records, sources that failed."""

    rows: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    failed_sources: list[str] = field(default_factory=list)

    def add(self, table: str, n: int) -> None:
        """Count ``n`` rows offered to ``table``."""
        self.rows[table] = self.rows.get(table, 0) + n


def expand_sources(paths: Iterable[Path], format_name: str | None) -> list[Path]:
    """Paths to read: a folder no adapter claims is opened and its files tried one by one."""
    out: list[Path] = []
    for path in paths:
        if format_name or not path.is_dir():
            out.append(path)
            continue
        try:
            detect(path)
            out.append(path)
        except SourceError:
            inner = [p for p in sorted(path.rglob("*")) if p.is_file() and _claimed(p)]
            if not inner:
                raise SourceError(f"{path}: nothing readable in this folder") from None
            out.extend(inner)
    return out


def _claimed(path: Path) -> bool:
    try:
        detect(path)
    except SourceError:
        return False
    return True


def ingest(
    paths: Iterable[Path],
    store: Store,
    *,
    format_name: str | None = None,
    with_labels: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> IngestReport:
    """Load every source into ``store``; errors of whole sources are collected, not raised."""
    report = IngestReport()
    try:
        sources = expand_sources(paths, format_name)
    except SourceError as exc:
        report.failed_sources.append(str(exc))
        return report
    for path in sources:
        try:
            _load_source(path, store, report, format_name, with_labels, on_rows)
        except SourceError as exc:
            report.failed_sources.append(str(exc))
        except OSError as exc:
            report.failed_sources.append(f"{path}: cannot be read ({exc})")
    return report


def _load_source(
    path: Path,
    store: Store,
    report: IngestReport,
    format_name: str | None,
    with_labels: bool,
    on_rows: Callable[[int], None] | None,
) -> None:
    """Read one source batch by batch into ``store``.

    Entity extraction of a posts batch runs in worker processes while the previous batch is
    loaded, so reading, extraction and loading overlap. Batches still load in file order, and
    each is cut to the posts not stored yet just before it loads, so what is stored and counted
    is what a batch-by-batch load gives. Extraction skips posts already stored when the load
    began (a re-scan); on a fresh store that check would find nothing and is skipped.
    """
    pending: Callable[[], pa.Table] | None = None
    fresh = store.count("posts") == 0

    def load(table: str, data: pa.Table) -> None:
        store.load(table, data)
        report.add(table, data.num_rows)
        if table == "quarantine":
            report.quarantined += data.num_rows
        if on_rows:
            on_rows(data.num_rows)

    try:
        for batch in read_source(path, format_name):
            if batch.table == "labels" and not with_labels:
                continue
            if batch.table != "posts":
                load(batch.table, batch.data)
                continue
            started = start_enrich(batch.data if fresh else store.unseen("posts", batch.data))
            if pending is not None:
                load("posts", store.unseen("posts", pending()))
            pending = started
    finally:
        if pending is not None:
            load("posts", store.unseen("posts", pending()))
