"""Jetstream messages -> model batches, by the same reader as Jetstream files.

A live feed is decoded exactly like a capture (:class:`tigerblood.ingest.bluesky.jetstream._Read`
validates, maps and quarantines), one micro-batch of messages at a time, so a record reads the
same live as from a file. Two things differ on a live feed:

- it starts mid-history, so most unfollows name a follow made before we listened: they are
  counted (``unfollow_unresolved``), not quarantined as they are in a file, where they mean a
  truncated capture;
- accounts are handed over after every micro-batch instead of once at the end of a file.
"""

from __future__ import annotations

from collections import Counter

from tigerblood.ingest.base import Batch
from tigerblood.ingest.bluesky.files import all_batches, gc_paused
from tigerblood.ingest.bluesky.jetstream import UNKNOWN_UNFOLLOW, JetstreamAdapter, _parse, _Read

MAX_FOLLOW_RECORDS = 1_000_000
"""Follow records remembered to resolve a later unfollow (a delete names only the record key).
Oldest forgotten first: a live feed runs for weeks, and the map would otherwise grow without end."""


class JetstreamDecoder:
    """Decodes micro-batches of Jetstream messages; numbers messages across batches so a
    quarantined one names its place (``source:message number``)."""

    def __init__(self, source: str = "jetstream") -> None:
        self.stats: Counter[str] = Counter()
        self.reader = _Read(source, self.stats)
        self.position = 0
        self.limit = JetstreamAdapter.max_line_bytes

    def decode(self, messages: list[bytes]) -> tuple[list[Batch], list[int | None]]:
        """Model batches of ``messages`` and each message's ``time_us`` (None when unreadable)."""
        lines: list[bytes] = []
        overlong: list[tuple[int, bytes]] = []
        events: list[object] = []
        times: list[int | None] = []
        with gc_paused():  # as the reader parses (ingest.bluesky.files.gc_paused)
            for index, message in enumerate(messages):
                line = message.rstrip(b"\r\n")
                if len(line) > self.limit:
                    overlong.append((index, line[: self.limit + 1]))
                    line = b""
                lines.append(line)
                event = _parse(line)  # once, for the cursor and for the reader
                events.append(event)
                times.append(_time_of(event))
        self.position = self.reader.feed(lines, overlong, self.position, self.limit, events)
        subjects = self.reader.follow_subjects
        if len(subjects) > MAX_FOLLOW_RECORDS:
            for key in list(subjects)[: len(subjects) - MAX_FOLLOW_RECORDS]:
                del subjects[key]
        quarantine = self.reader.quarantine
        unresolved = [row for row in quarantine if row["error"].startswith(UNKNOWN_UNFOLLOW)]
        if unresolved:
            self.stats["unfollow_unresolved"] += len(unresolved)
            self.stats["quarantined"] -= len(unresolved)
            quarantine[:] = [r for r in quarantine if not r["error"].startswith(UNKNOWN_UNFOLLOW)]
        batches = list(all_batches(self.reader.buffers))
        batches += list(self.reader.account_batches())
        self.reader.accounts.clear()
        self.reader.actors.clear()
        return batches, times

    def cursor_of(self, message: bytes) -> int | None:
        """Where ``message`` sits in the feed: Jetstream's ``time_us``, which it resumes from."""
        return _time_us(message.rstrip(b"\r\n"))


def _time_us(line: bytes) -> int | None:
    """The event's ``time_us`` (Jetstream's cursor), if the line is an object that has one."""
    return _time_of(_parse(line))


def _time_of(event: object) -> int | None:
    """``time_us`` of a parsed line (see :func:`_time_us`); None for a JSON error."""
    value = event.get("time_us") if type(event) is dict else None
    return value if type(value) is int else None
