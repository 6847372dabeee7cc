"""Reading Bluesky capture files: decompression by magic bytes, bounded lines, row batches.

Captures are long JSON Lines files, often zstd-compressed by whoever saved them, and sometimes
cut off mid-write. Compression is detected from the first bytes (a renamed file still reads),
every line is read with a size cap so one runaway line cannot exhaust memory, and a stream that
breaks mid-file ends the read with a quarantine row instead of an exception, keeping what came
before it.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import zstandard

from tigerblood import model
from tigerblood.ingest.base import Batch, SourceError, head_bytes

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
BATCH_ROWS = 50_000
"""Rows per yielded batch: large enough that Arrow conversion cost is amortised."""

READ_ERRORS: tuple[type[BaseException], ...] = (
    zstandard.ZstdError,
    EOFError,
    gzip.BadGzipFile,
    zlib.error,
    OSError,
)
"""What a broken compressed stream raises part-way through a read."""


def safe_head(path: Path, size: int = 4096) -> bytes:
    """The decompressed first bytes for sniffing; empty when the file is no valid archive.

    A sniffer must answer yes or no: a corrupt archive is "not mine", never a crash in detection.
    """
    if path.is_dir():
        return b""
    try:
        return head_bytes(path, size)
    except (zstandard.ZstdError, EOFError, gzip.BadGzipFile, zlib.error):
        return b""


@contextmanager
def open_decompressed(path: Path) -> Iterator[BinaryIO]:
    """A buffered binary stream over ``path``, decompressing zstd or gzip by magic bytes.

    Multi-frame zstd (concatenated captures, ``zstd --rsyncable`` output) reads as one stream.
    A file that cannot be opened at all is a :class:`SourceError` naming it.
    """
    try:
        raw = path.open("rb", buffering=1 << 20)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        magic = raw.peek(4)[:4]
        if magic == ZSTD_MAGIC:
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            yield io.BufferedReader(reader, buffer_size=1 << 20)  # type: ignore[arg-type]
        elif magic[:2] == GZIP_MAGIC:
            yield gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[misc]
        else:
            yield raw
    finally:
        raw.close()


def numbered_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(line number, bytes, complete)``; an over-long line is skipped, not held.

    ``complete`` is False when the line exceeded ``limit`` bytes: the bytes are then only its
    first ``limit + 1`` (enough to quarantine a sample) and the rest was read and discarded.
    """
    readline = stream.readline
    lineno = 0
    while True:
        line = readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) > limit and line[-1:] != b"\n":
            rest = line
            while rest and rest[-1:] != b"\n":
                rest = readline(limit)
            yield lineno, line, False
        else:
            yield lineno, line, True


def decode_raw(data: bytes) -> str:
    """Bytes as text for a quarantine ``raw`` sample, without ever failing on bad UTF-8."""
    return data[: model.RAW_LIMIT * 4].decode("utf-8", "replace").rstrip("\n")


def full_batches(buffers: dict[str, list[dict]], size: int = BATCH_ROWS) -> Iterator[Batch]:
    """Yield and empty every buffer that reached ``size`` rows."""
    for table, rows in buffers.items():
        if len(rows) >= size:
            yield Batch(table, model.to_table(table, rows))
            rows.clear()


def all_batches(buffers: dict[str, list[dict]], size: int = BATCH_ROWS) -> Iterator[Batch]:
    """Yield whatever is left in the buffers, ``size`` rows at a time, and empty them."""
    for table, rows in buffers.items():
        for start in range(0, len(rows), size):
            yield Batch(table, model.to_table(table, rows[start : start + size]))
        rows.clear()
