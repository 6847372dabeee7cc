"""The watch loop: messages -> micro-batches -> engine -> changes, with checkpoints.

Messages are grouped into micro-batches (at most ``batch_size`` messages, or whatever came within
``flush_s`` seconds; live feeds send an idle tick each quiet second, so the last messages of a
quiet feed are judged within about ``flush_s`` + 1 s rather than at the next message) because the
per-post facts are computed a batch at a time. A batch's arrival time is its newest message time
(Jetstream's ``time_us``, a Mastodon status's ``created_at``), the feed's own clock (capped at the
wall clock), so replaying a capture gives the same windows as having watched it live. Messages at
or before the resume cursor are skipped: that is what makes a restart from a checkpoint exact when
Jetstream replays from the cursor (Mastodon cannot replay: its decoder gives no cursor, and a
restart misses what was sent meanwhile).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tigerblood.ingest.base import Batch
from tigerblood.stream import checkpoint
from tigerblood.stream.backoff import IDLE, StreamSourceError
from tigerblood.stream.collector import micro_batch
from tigerblood.stream.engine import StreamEngine
from tigerblood.stream.jetstream_decode import JetstreamDecoder


class Decoder(Protocol):
    """What a feed's decoder does: raw messages to model batches, and where a message sits."""

    def decode(self, messages: list[bytes]) -> tuple[list[Batch], list[int | None]]:
        """Model batches of ``messages`` and each message's time in microseconds (or None)."""
        ...

    def cursor_of(self, message: bytes) -> int | None:
        """The feed's resume position of ``message``; None for a feed that cannot resume."""
        ...


@dataclass
class WatchReport:
    """What a watch did: messages read and skipped, changes reported, the cursor reached."""

    messages: int = 0
    skipped: int = 0
    changes: int = 0
    cursor: int | None = None
    flagged: set[tuple[str, str]] = field(default_factory=set)
    interrupted: bool = False
    failed: str | None = None
    """Why the feed gave up (a refusal, or too many failed reconnects), if it did."""


def watch(
    messages: Iterable[bytes],
    engine: StreamEngine,
    *,
    decoder: Decoder | None = None,
    cursor: int | None = None,
    on_change: Callable[[dict[str, Any]], None] = lambda verdict: None,
    on_quarantine: Callable[[dict[str, Any]], None] = lambda row: None,
    batch_size: int = 200,
    flush_s: float = 2.0,
    checkpoint_path: Path | None = None,
    checkpoint_every_s: float = 30.0,
    max_messages: int | None = None,
    confirm_at_end: bool = True,
) -> WatchReport:
    """Run ``messages`` through ``engine`` until they end (or ``max_messages``). At their end,
    flags still waiting for confirmation are judged (nothing more will come) unless
    ``confirm_at_end`` is False: a caller feeding one feed in several calls confirms itself."""
    decoder = decoder or JetstreamDecoder()
    engine.warm_up()  # before the first message: a live feed opens on its first read
    report = WatchReport(cursor=cursor)
    pending: list[bytes] = []
    started = last_save = time.monotonic()

    def deliver(verdicts: list[dict[str, Any]]) -> None:
        for verdict in verdicts:
            report.changes += 1
            key = (verdict["platform"], verdict["account_id"])
            (report.flagged.add if verdict["flagged"] else report.flagged.discard)(key)
            on_change(verdict)

    def flush() -> None:
        nonlocal last_save
        if not pending:
            return
        with micro_batch():  # the cycle collector once per batch (stream/collector.py)
            batches, times = decoder.decode(pending)
            pending.clear()
            for batch in batches:
                if batch.table == "quarantine":
                    for row in batch.data.to_pylist():
                        on_quarantine(row)
            known = [t for t in times if t is not None]
            if known:
                report.cursor = max(known + ([report.cursor] if report.cursor is not None else []))
            # Never past the wall clock: a Mastodon post's time is its server's claim, and one
            # dated in the future would otherwise expire the whole window early.
            arrival = min(max(known) / 1e6, time.time()) if known else engine.now_s
            changes = engine.apply(batches, arrival)
        deliver(changes)
        if checkpoint_path is not None and time.monotonic() - last_save >= checkpoint_every_s:
            checkpoint.save(checkpoint_path, engine, report.cursor)
            last_save = time.monotonic()

    ended = False  # the input ran out (not stopped at max_messages, nor interrupted)
    try:
        for message in messages if max_messages is None or max_messages > 0 else ():
            if message == IDLE:  # a quiet live feed: what waited its time is judged now
                if pending and time.monotonic() - started >= flush_s:
                    flush()
                deliver(engine.confirm_due(time.time()))  # flags that held while quiet
                continue
            report.messages += 1
            stamp = decoder.cursor_of(message) if cursor is not None else None
            if cursor is not None and stamp is not None and stamp <= cursor:
                report.skipped += 1  # applied before the checkpoint: Jetstream replays from it
            else:
                if not pending:
                    started = time.monotonic()
                pending.append(message)
                if len(pending) >= batch_size or time.monotonic() - started >= flush_s:
                    flush()
            if max_messages is not None and report.messages >= max_messages:
                break  # now, not at the next message: a live feed may never send one
        else:
            ended = True
        flush()
        if confirm_at_end and ended:  # the end of the input: nothing more will come
            deliver(engine.finish())
    except KeyboardInterrupt:
        # The pending messages are not in the state and the cursor is not past them: a
        # restart from the checkpoint reads them again.
        report.interrupted = True
    except StreamSourceError as error:  # the feed gave up: keep what was judged, say why
        report.failed = str(error)
    if checkpoint_path is not None:
        checkpoint.save(checkpoint_path, engine, report.cursor)
    return report
