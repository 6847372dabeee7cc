"""Reading Bluesky capture files: decompression by magic bytes, bounded lines, row batches.

Captures are long JSON Lines files, often zstd-compressed by whoever saved them, and sometimes
cut off mid-write. Compression is detected from the first bytes (a renamed file still reads),
every line is read with a size cap so one runaway line cannot exhaust memory, and a stream that
breaks mid-file ends the read with a quarantine row instead of an exception, keeping what came
before it.
"""

from __future__ import annotations

import gc
import gzip
import io
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

import pyarrow as pa
import zstandard

from tigerblood import model
from tigerblood.ingest.base import Batch, SourceError, head_bytes
from tigerblood.ingest.bluesky.columns import Columns

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


class ZstdFrames(io.RawIOBase):
    """Decompress concatenated zstd frames, and say so when the last one is cut off.

    ``zstandard``'s own stream reader ends quietly at a truncated frame; a capture killed
    mid-write must instead end the read with a quarantine row saying the file was cut, after
    every byte that could be decompressed has been delivered.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._frame: Any = None  # the decompressobj of the frame being read
        self._pending = memoryview(b"")
        self._error: BaseException | None = None  # raised once what came before is delivered

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` as far as the input allows, 128 KiB of compressed input at a time.

        Filling it (rather than returning what one small read gives) keeps the adapters' line
        batches as large as for a plain file: each batch has a fixed cost. A read that fails
        after some bytes were decompressed returns those bytes and raises on the next call.
        """
        if not self._pending and self._error is None:
            self._pending = memoryview(self._fill(len(buffer)))
        if not self._pending:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _fill(self, want: int) -> bytes:
        parts: list[bytes] = []
        have = 0
        while have < want:
            try:
                data = self._raw.read(1 << 17)
                if not data and self._frame is not None:
                    raise zstandard.ZstdError("truncated zstd frame: the capture was cut off")
                piece = self._feed(data)
            except READ_ERRORS as exc:
                if not parts:
                    raise
                self._error = exc
                break
            if not data:
                break
            parts.append(piece)
            have += len(piece)
        return b"".join(parts)

    def _feed(self, data: bytes) -> bytes:
        out = []
        while data:
            if self._frame is None:
                self._frame = self._dctx.decompressobj()
            out.append(self._frame.decompress(data))
            data = b""
            if self._frame.eof:
                data, self._frame = self._frame.unused_data, None
        return b"".join(out)


@contextmanager
def open_decompressed(path: Path) -> Iterator[BinaryIO]:
    """A buffered binary stream over ``path``, decompressing zstd or gzip by magic bytes.

    Multi-frame zstd (concatenated or appended captures) reads as one stream.
    A file that cannot be opened at all is a :class:`SourceError` naming it.
    """
    try:
        raw = cast(io.BufferedReader, path.open("rb", buffering=1 << 20))
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        magic = raw.peek(4)[:4]
        if magic == ZSTD_MAGIC:
            yield io.BufferedReader(ZstdFrames(raw), buffer_size=1 << 20)
        elif magic[:2] == GZIP_MAGIC:
            yield gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[misc]
        else:
            yield raw
    finally:
        raw.close()


def line_batches(
    stream: BinaryIO, limit: int, chunk_size: int = 1 << 22
) -> Iterator[tuple[list[bytes], list[tuple[int, bytes]]]]:
    """Yield ``(lines, overlong)`` per chunk read: lines without their newline, in order.

    Splitting a few MiB at a time in C is several times faster than ``readline`` per line. A
    line over ``limit`` bytes is never held whole: it appears in ``lines`` as ``b""`` (so line
    numbers stay right) and in ``overlong`` as ``(index in lines, its first limit + 1 bytes)``.

    >>> list(line_batches(io.BytesIO(b'{"a":1}\\ntoo long here\\n{}\\n'), limit=8))
    [([b'{"a":1}', b'', b'{}'], [(1, b'too long ')])]
    """
    carry = b""
    skipping: bytes | None = None  # the head of an over-long line still being read past
    # read1: one underlying read per chunk, so a stream that breaks loses at most that read.
    read = getattr(stream, "read1", stream.read)
    while chunk := read(chunk_size):
        lines = chunk.split(b"\n")
        tail = lines.pop()
        overlong: list[tuple[int, bytes]] = []
        if skipping is not None:
            if not lines:
                continue  # still inside the over-long line
            lines[0] = b""
            overlong.append((0, skipping))
            skipping = None
        elif lines:
            lines[0] = carry + lines[0]
        else:
            tail = carry + tail
        carry = tail
        if len(carry) > limit:
            skipping, carry = carry[: limit + 1], b""
        if lines and max(map(len, lines)) > limit:
            for i, line in enumerate(lines):
                if len(line) > limit:
                    overlong.append((i, line[: limit + 1]))
                    lines[i] = b""
        if lines:
            yield lines, overlong
    if skipping is not None:
        yield [b""], [(0, skipping)]
    elif carry:
        yield [carry], []


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off for one stretch of parsing, back on (if it was) after.

    orjson allocates a few dicts per event, and every few hundred allocations Python runs a
    collection that walks the young objects, and now and then every tracked object still alive
    (buffered rows, the follow index): about a tenth of a read's time, for parsed JSON that
    holds no reference cycles to collect. Pausing per line batch keeps the pause short.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decode_raw(data: bytes) -> str:
    """Bytes as text for a quarantine ``raw`` sample, without ever failing on bad UTF-8."""
    return data[: model.RAW_LIMIT * 4].decode("utf-8", "replace").rstrip("\n")


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Same contract as :func:`tigerblood.model.to_table`, about twice as fast.

    ``pa.Table.from_pylist`` with the model schema also nulls missing keys and drops unknown
    ones, but walks the dicts in C; at firehose rates the per-cell ``dict.get`` of
    ``model.to_table`` was the largest single cost of a read.
    """
    return pa.Table.from_pylist(rows, schema=model.SCHEMAS[name])


def _arrow(name: str, rows: list[dict] | Columns, start: int, stop: int) -> pa.Table:
    if isinstance(rows, Columns):
        return rows.to_arrow(start, stop)
    return to_table(name, rows[start:stop])


Buffers = Mapping[str, "list[dict] | Columns"]
"""Row buffers by model table: row dicts, or :class:`Columns`."""


def full_batches(buffers: Buffers, size: int = BATCH_ROWS) -> Iterator[Batch]:
    """Yield and empty every buffer (row dicts or :class:`Columns`) that reached ``size`` rows."""
    for table, rows in buffers.items():
        if len(rows) >= size:
            yield Batch(table, _arrow(table, rows, 0, len(rows)))
            rows.clear()


def all_batches(buffers: Buffers, size: int = BATCH_ROWS) -> Iterator[Batch]:
    """Yield whatever is left in the buffers, ``size`` rows at a time, and empty them."""
    for table, rows in buffers.items():
        for start in range(0, len(rows), size):
            yield Batch(table, _arrow(table, rows, start, start + size))
        rows.clear()
