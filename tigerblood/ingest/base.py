"""What an ingest adapter is: something that recognises a source and yields model-table batches.

Adapters know their format and the model (DESIGN §1), nothing else. Bad records never raise out of
an adapter: they are yielded as rows of the ``quarantine`` table, so one bad record never kills a
run and nothing is silently dropped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from tigerblood import model


@dataclass(frozen=True)
class Batch:
    """Rows for one model table: accounts, posts, follows, labels or quarantine."""

    table: str
    data: pa.Table

    def __post_init__(self) -> None:
        if self.table not in model.SCHEMAS:
            raise ValueError(f"unknown model table {self.table!r}")


class SourceError(Exception):
    """A source that cannot be read at all: names the file and the cause; the run exits non-zero."""


class Adapter:
    """Base class: subclasses set ``name`` and implement :meth:`sniff` and :meth:`read`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def sniff(self, path: Path) -> bool:
        """True when this adapter recognises ``path`` (cheap: look at names and the first bytes)."""
        raise NotImplementedError

    def read(self, path: Path) -> Iterator[Batch]:
        """Yield model batches; malformed records go out as ``quarantine`` batches."""
        raise NotImplementedError


def quarantine_batch(rows: list[dict]) -> Batch:
    """Wrap quarantine rows (see :func:`tigerblood.model.quarantine_row`) as a batch."""
    return Batch("quarantine", model.to_table("quarantine", rows))


def head_bytes(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a file, decompressing gzip and zstd so sniffers see the content."""
    with path.open("rb") as handle:
        head = handle.read(size)
    if head[:2] == b"\x1f\x8b":
        import gzip

        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(size)
        except (OSError, EOFError):  # corrupt gzip: the adapter that claims it will say so
            return head
    if head[:4] == b"\x28\xb5\x2f\xfd":
        import zstandard

        try:
            with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
                return reader.read(size)
        except zstandard.ZstdError:
            return head
    return head


def header_names(head: bytes) -> list[str]:
    """Column names of a CSV's first line, as written (BOM and spaces stripped).

    >>> header_names(b'id,"text",user_id\\n1,hi,2\\n')
    ['id', 'text', 'user_id']
    """
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    return [n.strip().lstrip("\ufeff").strip() for n in next(csv.reader([first]), [])]
