"""Decode a large Jetstream capture in worker processes, with the same rows as one process.

This process reads and decompresses the file and cuts it into line batches (so line numbers,
over-long lines and a stream that breaks behave exactly as in :meth:`JetstreamAdapter.read`);
worker processes parse each batch into Arrow tables. What depends on earlier lines is settled
here, in file order: a worker resolves an unfollow only against follows created earlier in its
own batch and leaves the rest (with both possible outcomes, the unfollow row and its quarantine
row) for this process to resolve against every earlier batch; accounts are merged batch by
batch. Workers send Arrow tables, which pickle as Arrow buffers, not as Python objects.
"""

from __future__ import annotations

import gc
import io
import multiprocessing as mp
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from tigerblood import model
from tigerblood.ingest.base import Batch
from tigerblood.ingest.bluesky import records as rec
from tigerblood.ingest.bluesky.columns import Columns
from tigerblood.ingest.bluesky.files import (
    BATCH_ROWS,
    READ_ERRORS,
    all_batches,
    gc_paused,
    line_batches,
    open_decompressed,
    to_table,
)
from tigerblood.ingest.bluesky.jetstream import _Read, account_batches

CHUNK_BYTES = 1 << 22
"""Bytes read per line batch (one worker task)."""
IN_FLIGHT = 3
"""Batches queued per worker: enough to keep workers busy, few enough to bound memory."""

_FOLLOW_DELETE = f"{rec.FOLLOW}/delete"
_TABLES = ("posts", "follows", "likes")


def _decode(task: tuple[str, bytes, list[tuple[int, bytes]], int, int]) -> dict[str, Any]:
    """Worker: one batch of lines (joined by newlines) -> tables and what is left to resolve."""
    source, blob, overlong, lineno, limit = task
    stats: Counter[str] = Counter()
    state = _Read(source, stats, chunked=True)
    if overlong:  # the head of one over-long line, cut by blocks() and sent alone
        state.feed([b""], overlong, lineno, limit)
    else:
        for lines, too_long in line_batches(io.BytesIO(blob), limit, len(blob) + 1):
            lineno = state.feed(lines, too_long, lineno, limit)
    subjects = state.follow_subjects
    created = state.created or set()
    return {
        **{name: _table(name, state.buffers[name]) for name in _TABLES},
        "quarantine": state.quarantine,
        "accounts": state.accounts,
        "actors": pa.array(list(state.actors), pa.string()),
        "stats": stats,
        "pending": state.pending,
        # Follows created here and deleted again here: no longer open for later chunks.
        "closed": created.difference(subjects) if len(created) != len(subjects) else set(),
        "subjects": subjects,
    }


def _table(name: str, rows: list[dict] | Columns) -> pa.Table | None:
    if not len(rows):
        return None
    return rows.to_arrow() if isinstance(rows, Columns) else to_table(name, rows)


class _Merge:
    """This process's side: resolve each worker result in file order and batch the tables."""

    def __init__(self, stats: Counter[str]) -> None:
        self.stats = stats
        self.subjects: dict[tuple[str, str], str] = {}
        self.accounts: dict[str, dict] = {}
        # DIDs that posted, liked or followed, chunk by chunk, in file order: deduplicated once,
        # in Arrow, at the end (a Python set would hash every DID of every chunk here).
        self.actors: list[pa.Array] = []
        self.quarantine: list[dict] = []
        self.tables: dict[str, list[pa.Table]] = {name: [] for name in _TABLES}

    def add(self, result: dict[str, Any]) -> Iterator[Batch]:
        """Fold one batch's result in, in file order; yield the tables that filled up."""
        with gc_paused():
            ready = self._fold(result)
        yield from ready

    def _fold(self, result: dict[str, Any]) -> list[Batch]:
        self.stats.update(result["stats"])
        subjects = self.subjects
        quarantine, follows = result["quarantine"], result["follows"]
        if result["pending"]:
            follows, dropped = self.resolve(result["pending"], follows)
            quarantine = [row for i, row in enumerate(quarantine) if i not in dropped]
        for key in result["closed"]:
            subjects.pop(key, None)
        subjects.update(result["subjects"])
        self.quarantine.extend(quarantine)
        self.actors.append(result["actors"])
        for row in result["accounts"].values():
            rec.merge_account(self.accounts, row)
        ready = []
        for name in _TABLES:
            table = follows if name == "follows" else result[name]
            if table is not None and table.num_rows:
                tables = self.tables[name]
                tables.append(table)
                if sum(t.num_rows for t in tables) >= BATCH_ROWS:
                    ready.append(Batch(name, pa.concat_tables(tables)))
                    tables.clear()
        return ready

    def resolve(
        self, pending: list[tuple[int, int, str, str]], follows: pa.Table
    ) -> tuple[pa.Table, set[int]]:
        """Settle unfollows against earlier batches: fill the followee, or keep the quarantine.

        Only the pending rows change, so the column is patched through a mask in Arrow rather
        than round-tripped through Python.
        """
        size = follows.num_rows
        keep, patch = [True] * size, [False] * size
        subjects: list[str] = []
        unfollowers: list[str] = []
        resolved: set[int] = set()
        for follow_index, quarantine_index, did, rkey in pending:
            subject = self.subjects.pop((did, rkey), None)
            if subject is None:
                keep[follow_index] = False
                self.stats[_FOLLOW_DELETE] -= 1
                self.stats["quarantined"] += 1
            else:
                patch[follow_index] = True
                subjects.append(subject)
                unfollowers.append(did)
                resolved.add(quarantine_index)
        self.actors.append(pa.array(unfollowers, pa.string()))
        column = follows.schema.get_field_index("followee_id")
        field = follows.schema.field(column)
        followees = pc.replace_with_mask(
            follows.column(column).combine_chunks(),
            pa.array(patch),
            pa.array(subjects, field.type),
        )
        follows = follows.set_column(column, field, followees)
        if not all(keep):
            follows = follows.filter(pa.array(keep))
        return follows, resolved

    def rest(self) -> Iterator[Batch]:
        for name, tables in self.tables.items():
            if tables:
                yield Batch(name, pa.concat_tables(tables))
        yield from all_batches({"quarantine": self.quarantine})
        actors = pa.chunked_array(self.actors, pa.string()).unique().to_pylist()
        yield from account_batches(self.accounts, dict.fromkeys(actors))


def blocks(stream: BinaryIO, limit: int) -> Iterator[tuple[bytes, list[tuple[int, bytes]]]]:
    """Whole lines, about :data:`CHUNK_BYTES` at a time, each block ending in a newline.

    Cutting at the last newline of each read costs a copy, not the per-line objects of a split.
    A line over ``limit`` bytes still in progress at a cut is never held whole: it comes out on
    its own as ``(b"", [(0, its first limit + 1 bytes)])``, as :func:`line_batches` reports it.
    """
    read = getattr(stream, "read1", stream.read)
    carry = b""
    skipping: bytes | None = None
    while chunk := read(CHUNK_BYTES):
        if skipping is not None:
            end = chunk.find(b"\n") + 1
            if not end:
                continue  # still inside the over-long line
            yield b"", [(0, skipping)]
            skipping, chunk = None, chunk[end:]
        cut = chunk.rfind(b"\n") + 1
        if cut:
            yield b"".join((carry, memoryview(chunk)[:cut])), []  # one copy, not two
            carry = chunk[cut:]
        else:
            carry += chunk
        if len(carry) > limit:
            skipping, carry = carry[: limit + 1], b""
    if skipping is not None:
        yield b"", [(0, skipping)]
    elif carry:
        yield carry + b"\n", []


def _pool(workers: int) -> Any:
    """Forked workers whose collector never walks what they inherited.

    A worker's garbage collections would otherwise traverse every object the parent held when
    it forked (pyarrow, pandas, the caller's data), writing to each object's header and so
    copying page after page of memory the processes could have shared: in a parent that had
    imported pandas this doubled the CPU time of a read. Frozen objects are never traversed;
    the parent unfreezes its own right after the fork (the pattern the ``gc.freeze`` docs give).
    """
    gc.freeze()
    try:
        return mp.get_context("fork").Pool(workers)
    finally:
        gc.unfreeze()


def read_parallel(path: Path, stats: Counter[str], limit: int, workers: int) -> Iterator[Batch]:
    """What :meth:`JetstreamAdapter.read` yields for ``path``, decoded in ``workers`` processes."""
    source = str(path)
    merge = _Merge(stats)
    waiting: deque[Any] = deque()
    lineno = 0
    with _pool(workers) as pool, open_decompressed(path) as stream:
        try:
            for blob, overlong in blocks(stream, limit):
                task = (source, blob, overlong, lineno, limit)
                lineno += blob.count(b"\n") if blob else 1
                waiting.append(pool.apply_async(_decode, (task,)))
                while len(waiting) > IN_FLIGHT * workers:
                    yield from merge.add(waiting.popleft().get())
        except READ_ERRORS as exc:
            while waiting:
                yield from merge.add(waiting.popleft().get())
            stats["quarantined"] += 1
            error = f"stream ended unreadable: {exc}"
            location = f"{source}:{lineno + 1}"
            merge.quarantine.append(model.quarantine_row(source, location, "file", error, ""))
        while waiting:
            yield from merge.add(waiting.popleft().get())
    yield from merge.rest()
