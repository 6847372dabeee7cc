"""Reading JSON sources record by record, with a location for every record and bounded memory.

Platform dumps come as JSON Lines, as one big JSON array (TwiBot-20, X archive ``.js`` files) or as
one pretty-printed document. Loading a multi-gigabyte array whole would need its size in memory,
and one bad byte would lose the whole file, so arrays are split into elements by a small scanner
and each element is parsed on its own: a bad element becomes one quarantine row, the rest loads.

Locations read ``name:LINE`` (1-based line where the record starts) and, for array elements,
``name:LINE#INDEX`` (0-based index in the top-level array), so a person can open the file there.

>>> import io
>>> [r.value for r in iter_records(io.BytesIO(b'[1, {"a": 2}]'), "x.json")]
[1, {'a': 2}]
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard

from tigerblood.ingest.base import head_bytes

MAX_RECORD_BYTES = 8 * 2**20
"""A record over this (8 MiB) is quarantined unread: no real post or profile comes near it."""

CHUNK = 2**20

_STRING = re.compile(rb'["\\]')
_NESTED = re.compile(rb'[\[\]{}"]')
_TOP = re.compile(rb'[\[\]{}",]')
_NON_SPACE = re.compile(rb"[^\s;]")
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


@dataclass(frozen=True)
class Record:
    """One parsed JSON value, or why it could not be parsed (``error`` set, ``value`` None)."""

    location: str
    value: Any = None
    error: str | None = None
    raw: bytes = b""


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, transparently decompressing gzip and zstd."""
    handle = path.open("rb")
    magic = handle.read(4)
    handle.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    if magic == b"\x28\xb5\x2f\xfd":
        return io.BufferedReader(_Zstd(handle))
    return handle


STREAM_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    zstandard.ZstdError,
)
"""What a file cut off or corrupted part-way raises (mostly from gzip and zstd)."""


def safe_head(path: Path, size: int = 4096) -> bytes:
    """The decompressed first bytes, for sniffing; empty for a folder or a corrupt compressed
    file, because a sniffer answers "mine" or "not mine" and must never crash detection."""
    if not path.is_file():
        return b""
    try:
        return head_bytes(path, size)
    except STREAM_ERRORS:  # gzip.BadGzipFile is an OSError
        return b""


def guarded(records: Iterator[Record], name: str) -> Iterator[Record]:
    """Records until the stream breaks; the break becomes one last error record, never raised."""
    location = f"{name}:1"
    try:
        for record in records:
            location = record.location
            yield record
    except STREAM_ERRORS as exc:
        yield Record(f"{location}+", error=f"stream broken after this record: {exc}")


def iter_lines(
    stream: IO[bytes], limit: int = MAX_RECORD_BYTES
) -> Iterator[tuple[int, bytes | None]]:
    """``(line_number, line)`` pairs; a line over ``limit`` bytes comes as ``None``, unread."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(CHUNK)
            yield number, None
            continue
        yield number, line


def parse(location: str, raw: bytes) -> Record:
    """Parse one JSON value; a syntax error becomes a :class:`Record` with ``error`` set."""
    try:
        return Record(location, orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        return Record(location, error=f"invalid JSON: {exc}", raw=raw)


def iter_records(
    stream: IO[bytes], name: str, limit: int = MAX_RECORD_BYTES, *, assignment: bool = False
) -> Iterator[Record]:
    """Every record of a JSON source, whatever its layout (array, JSON Lines, one document).

    ``assignment`` skips a JavaScript prefix such as ``window.YTD.tweets.part0 =`` (X archives).
    A top-level array is split into its elements. A file whose first line opens a bracket without
    closing it is read as a (pretty-printed) document; otherwise each non-empty line is one record,
    so one broken line costs one record.
    """
    head = stream.read(CHUNK).removeprefix(b"\xef\xbb\xbf")  # a byte-order mark from Windows
    if assignment:
        equals = head.find(b"=")
        if equals < 0:
            yield Record(f"{name}:1", error="no `window.YTD.<name> = [...]` assignment", raw=head)
            return
        head = head[equals + 1 :]
    body = head.lstrip()
    skipped = head[: len(head) - len(body)].count(b"\n")
    if not body:
        return
    first = body.split(b"\n", 1)[0].rstrip()
    if body[:1] == b"[" or first[-1:] in (b"{", b"["):
        yield from _Splitter(stream, body, name, limit, skipped, array=body[:1] == b"[").run()
        return
    lines = io.BufferedReader(_Chain(body, stream))
    for number, line in iter_lines(lines, limit):
        location = f"{name}:{number + skipped}"
        if line is None:
            yield Record(location, error=f"record larger than the {limit}-byte limit")
        elif line.strip():
            yield parse(location, line)


class _Zstd(io.RawIOBase):
    """zstd frames one after another, raising at a cut-off last frame (zstandard's own stream
    reader ends quietly there, which would lose the cut without a quarantine row). Input is fed
    in 512-byte pieces: a zstd block expands to at most 128 KiB, so one step yields at most
    about 16 MiB however hostile the file."""

    PIECE = 512

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._frame: Any = None
        self._in, self._out = memoryview(b""), memoryview(b"")
        self._dctx = zstandard.ZstdDecompressor()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            if not self._in:
                self._in = memoryview(self._raw.read(CHUNK))
                if not self._in:
                    if self._frame is not None:
                        raise zstandard.ZstdError("zstd stream cut off inside a frame")
                    return 0
            if self._frame is None:
                self._frame = self._dctx.decompressobj()
            piece, self._in = self._in[: self.PIECE], self._in[self.PIECE :]
            self._out = memoryview(self._frame.decompress(piece))
            if self._frame.eof:
                self._in = memoryview(self._frame.unused_data + bytes(self._in))
                self._frame = None
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Chain(io.RawIOBase):
    """Already-read bytes followed by the rest of a stream, so ``readline`` can start over."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self._first, self._offset, self._rest = memoryview(first), 0, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._offset < len(self._first):
            size = min(len(buffer), len(self._first) - self._offset)
            buffer[:size] = self._first[self._offset : self._offset + size]
            self._offset += size
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Splitter:
    """Split a JSON array into its elements (``array``) or a document into its top-level values.

    It tracks strings and bracket depth only; each element is then parsed by orjson. Only the
    current element is held in memory, and one larger than ``limit`` is skipped unread. Arrays
    that follow each other (one per line, as some tools write pages) are all split.
    """

    def __init__(
        self, stream: IO[bytes], buf: bytes, name: str, limit: int, lines: int, *, array: bool
    ) -> None:
        self.stream, self.buf, self.name, self.limit, self.array = stream, buf, name, limit, array
        self.pos = self.start = 1 if array else 0
        self.end = 0
        self.depth, self.index, self.lines, self.counted = 0, 0, lines, 0
        self.in_string = self.oversize = self.closed = self.comma = False

    def run(self) -> Iterator[Record]:
        while True:
            if self.closed:
                state = self._after_array()
                if state == "more":
                    continue
                if state == "error":
                    yield Record(
                        self._locate(self.pos),
                        error="unexpected content after the JSON array",
                        raw=self.buf[self.pos : self.pos + 200],
                    )
                    return
                if not self._refill():
                    return
                continue
            if self._step():
                yield from self._take()
                continue
            if not self._refill():
                yield from self._at_end()
                return

    def _step(self) -> bool:
        """Advance to the next structural byte; True when an element just ended at ``self.end``."""
        buf = self.buf
        while True:
            if self.in_string:
                match = _STRING.search(buf, self.pos)
                if match is None:
                    self.pos = len(buf)
                    return False
                if match.group() == b"\\":
                    if match.end() >= len(buf):
                        self.pos = match.start()
                        return False
                    self.pos = match.end() + 1
                    continue
                self.pos, self.in_string = match.end(), False
                continue
            match = (_TOP if self.depth == 0 and self.array else _NESTED).search(buf, self.pos)
            if match is None:
                self.pos = len(buf)
                return False
            char, self.pos = buf[match.start()], match.end()
            if char == 0x22:
                self.in_string = True
            elif char in _OPEN:
                self.depth += 1
            elif self.depth > 0 and char in _CLOSE:
                self.depth -= 1
                if self.depth == 0 and not self.array:
                    self.end, self.comma = self.pos, False
                    return True
            elif self.depth == 0 and self.array:  # a top-level comma or the closing bracket
                self.end, self.comma, self.closed = self.pos - 1, char == 0x2C, char == 0x5D
                return True

    def _locate(self, at: int) -> str:
        """The location of the record starting at ``buf[at]`` (counts newlines up to it)."""
        self.lines += self.buf.count(b"\n", self.counted, at)
        self.counted = max(self.counted, at)
        if self.array:
            return f"{self.name}:{self.lines + 1}#{self.index}"
        return f"{self.name}:{self.lines + 1}"

    def _take(self) -> Iterator[Record]:
        segment = self.buf[self.start : self.end]
        body = segment.strip()
        first = self.start + len(segment) - len(segment.lstrip())
        oversize = self.oversize or len(body) > self.limit
        self.start, self.oversize = self.pos, False
        if not body and not oversize:
            if self.comma:
                yield Record(self._locate(first), error="empty array element")
                self.index += 1
            return
        location = self._locate(first)
        self.index += 1
        if oversize:
            yield Record(location, error=f"record larger than the {self.limit}-byte limit")
        else:
            yield parse(location, body)

    def _after_array(self) -> str:
        """After a closing bracket: another array ("more"), junk ("error") or "need" more bytes."""
        match = _NON_SPACE.search(self.buf, self.pos)
        if match is None:
            self.pos = self.start = len(self.buf)
            return "need"
        self.pos = match.start()
        if self.buf[self.pos] != 0x5B:
            return "error"
        self.pos = self.start = match.end()
        self.closed = False
        return "more"

    def _refill(self) -> bool:
        """Drop finished bytes (or, past the limit, the scanned part of the element); read more."""
        keep = self.start
        if self.oversize or self.pos - self.start > self.limit:
            keep, self.oversize = self.pos, True
        chunk = self.stream.read(CHUNK)
        if not chunk:
            return False
        self.lines += self.buf.count(b"\n", self.counted, keep)
        self.buf = self.buf[keep:] + chunk
        self.pos -= keep
        self.start = max(self.start - keep, 0)
        self.counted = max(self.counted - keep, 0)
        return True

    def _at_end(self) -> Iterator[Record]:
        pending = self.buf[self.start :]
        body = pending.strip()
        if not (self.array or body or self.oversize):
            return
        location = self._locate(self.start + len(pending) - len(pending.lstrip()))
        if self.oversize:
            yield Record(location, error=f"record larger than the {self.limit}-byte limit")
            return
        if body and self.array and not (self.depth or self.in_string):
            record = parse(location, body)
            if record.error is None:  # a whole last element, only the closing bracket missing
                self.index += 1
                yield record
                yield Record(
                    self._locate(len(self.buf)), error="unexpected end of file: array not closed"
                )
                return
        yield Record(location, error="unexpected end of file (truncated JSON)", raw=body[:2000])
