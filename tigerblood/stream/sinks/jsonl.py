"""The JSON Lines sink: each change as one line, the verdict as ``scan`` writes it plus ``change``
and ``window_end`` (docs/stream.md). The default sink, appended to ``--out`` or written to
stdout, as ``watch`` always did; a local file is written in the feed's thread (no network can
hold it up), and a write error is counted, not raised, so a full disk does not stop the feed.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import IO

import orjson

from tigerblood.stream.sinks.base import Change, SinkStats

log = logging.getLogger(__name__)


class JsonlSink:
    """Appends each change's verdict to ``path`` (stdout when None); ``dry_run`` writes nothing."""

    name = "jsonl"

    def __init__(self, path: Path | None = None, *, dry_run: bool = False) -> None:
        self.path, self.dry_run = path, dry_run
        self.stats = SinkStats()
        self.stream: IO[bytes] | None = None
        if not dry_run:
            self.stream = path.open("ab") if path is not None else sys.stdout.buffer

    def send(self, change: Change) -> None:
        line = orjson.dumps(change.verdict) + b"\n"
        if self.stream is None:
            self.stats.dry_run += 1
            return
        try:
            self.stream.write(line)
            self.stream.flush()
        except OSError as error:
            self.stats.failed += 1
            self.stats.last_error = f"{type(error).__name__}: {error}"
            log.warning("jsonl %s: %s", self.path or "stdout", self.stats.last_error)
            return
        self.stats.emitted += 1

    def close(self, timeout_s: float) -> None:
        if self.stream is not None and self.path is not None:
            self.stream.close()
        self.stream = None
