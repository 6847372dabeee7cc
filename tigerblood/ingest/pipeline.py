"""Sources into the store: detect, read, enrich, load, count what was quarantined.

One unreadable source is reported and skipped; the others still load. ``labels`` are loaded only
when asked (``learn`` and ``eval``), so a scan can never peek at the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tigerblood import model
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
    group: list[pa.Table] = []

    def load(table: str, data: pa.Table) -> None:
        store.load(table, data)
        report.add(table, data.num_rows)
        if table == "quarantine":
            report.quarantined += data.num_rows
        if on_rows:
            on_rows(data.num_rows)

    def flush() -> None:
        if group:
            load("posts", new_posts(store, group))
            group.clear()

    def collect(posts: pa.Table) -> None:
        group.append(posts)
        if sum(t.num_rows for t in group) >= GROUP_ROWS:
            flush()

    try:
        for batch in read_source(path, format_name):
            if batch.table == "labels" and not with_labels:
                continue
            if batch.table != "posts":
                load(batch.table, batch.data)
                continue
            started = start_enrich(batch.data if fresh else store.unseen("posts", batch.data))
            if pending is not None:
                collect(pending())
            pending = started
    finally:
        if pending is not None:
            collect(pending())
        flush()


GROUP_ROWS = 500_000
"""Posts gathered before one load: each load and key check reads the whole stored table, so
fewer, larger loads cost less (about 100 MB of Arrow at a time)."""


def new_posts(store: Store, batches: list[pa.Table]) -> pa.Table:
    """The rows a batch-by-batch load would have stored and counted: each batch cut to the posts
    whose key is neither stored nor in an earlier batch (repeats inside one batch are kept, as
    :meth:`Store.unseen` keeps them), in file order."""
    keys = ", ".join(model.PRIMARY_KEYS["posts"])
    match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM i.{k}" for k in model.PRIMARY_KEYS["posts"])
    names = [f"_grouped_{i}" for i in range(len(batches))]
    for name, table in zip(names, batches, strict=True):
        store.con.register(name, table.append_column("_row", pa.array(range(table.num_rows))))
    grouped = " UNION ALL ".join(f"SELECT *, {i} AS _batch FROM {n}" for i, n in enumerate(names))
    try:
        return store.arrow(
            f"SELECT * EXCLUDE (_batch, _row, _first) FROM (SELECT *, min(_batch) OVER "
            f"(PARTITION BY {keys}) AS _first FROM ({grouped})) i WHERE _batch = _first "
            f"AND NOT EXISTS (SELECT 1 FROM posts s WHERE {match}) ORDER BY _batch, _row"
        )
    finally:
        for name in names:
            store.con.unregister(name)
