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
from tigerblood.ingest.entity_words import start_fill
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
    if report.rows.get("posts"):
        report.add("posts", -drop_repeated_posts(store))
    # Arrow's allocator keeps freed batches for reuse; the steps after a load work in DuckDB and
    # numpy, so hand that memory back (about 60 MB after 2.8 M posts).
    pa.default_memory_pool().release_unused()
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

    Posts gather into groups of :data:`GROUP_ROWS`; a group's entities are read in worker
    processes while the previous group is loaded and the next one read from the file, so reading,
    extraction and loading overlap. Posts load in file order; once every source is loaded,
    :func:`drop_repeated_posts` leaves each key once, so what is stored is what a batch-by-batch
    load gives, and the count is of posts stored. Extraction skips
    posts already stored when the load began (a re-scan); on a fresh store that check would find
    nothing and is skipped.
    """
    pending: Callable[[], list[pa.Table]] | None = None
    fresh = store.count("posts") == 0
    group: list[pa.Table] = []

    def load(table: str, data: pa.Table) -> None:
        store.load(table, data)
        report.add(table, data.num_rows)
        if table == "quarantine":
            report.quarantined += data.num_rows
        if on_rows:
            on_rows(data.num_rows)

    def finish_pending() -> None:
        nonlocal pending
        if pending is not None:
            batches = pending()
            report.add("posts", append_posts(store, batches))
            if on_rows:
                on_rows(sum(t.num_rows for t in batches))
            pending = None

    def start_group() -> None:
        nonlocal pending
        if not group:
            return
        started = start_group_fill(store, list(group))
        group.clear()
        finish_pending()
        pending = started

    try:
        for batch in read_source(path, format_name):
            if batch.table == "labels" and not with_labels:
                continue
            if batch.table != "posts":
                load(batch.table, batch.data)
                continue
            group.append(batch.data if fresh else store.unseen("posts", batch.data))
            if sum(t.num_rows for t in group) >= GROUP_ROWS:
                start_group()
    finally:
        start_group()
        finish_pending()


def start_group_fill(store: Store, batches: list[pa.Table]) -> Callable[[], list[pa.Table]]:
    """Start reading the entities of ``batches`` as one table (each distinct word of the group
    read once); call the result for the batches, filled, as they came."""
    lengths = [t.num_rows for t in batches]
    started = start_fill(store.con, pa.concat_tables(batches))

    def result() -> list[pa.Table]:
        filled = started()
        starts = [sum(lengths[:i]) for i in range(len(lengths))]
        return [filled.slice(at, n) for at, n in zip(starts, lengths, strict=True)]

    return result


GROUP_ROWS = 500_000
"""Posts gathered before one load (about 100 MB of Arrow at a time): the larger the group, the
more of its words repeat, which entity reading does once a group."""


def append_posts(store: Store, batches: list[pa.Table]) -> int:
    """Append the posts of ``batches`` in file order; return how many were appended.

    Keys are not checked here: a group whose posts repeat an earlier group's (or each other)
    is cleaned once the whole load is done, by :func:`drop_repeated_posts`. Checking each group
    against everything stored before it read the growing table once a group (3.7 s of the
    Cresci-2015 load); one check at the end reads it once (0.5 s). Posts stored before the load
    began never come back here: a load into a non-empty store drops them first
    (``Store.unseen``).
    """
    group = pa.concat_tables([model.conform("posts", t) for t in batches])
    store.con.register("_group", group)
    try:
        inserted = store.sql("INSERT INTO posts SELECT * FROM _group")
    finally:
        store.con.unregister("_group")
    return int(inserted[0][0]) if inserted else 0


def drop_repeated_posts(store: Store) -> int:
    """Keep each post key once, at its first occurrence in load order; return how many rows
    were dropped. What a batch-by-batch load stores, checked in one pass.

    The usual load repeats no key, and one hash aggregate says so; only then does the ordered
    window that finds later occurrences run.
    """
    keys = ", ".join(model.PRIMARY_KEYS["posts"])
    repeated = store.sql(
        f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM posts)) FROM posts"
    )[0][0]
    if not repeated:
        return 0
    dropped = store.sql(
        f"DELETE FROM posts WHERE rowid IN (SELECT rowid FROM posts QUALIFY row_number() "
        f"OVER (PARTITION BY {keys} ORDER BY rowid) > 1)"
    )
    return int(dropped[0][0])
