"""Mastodon streaming messages -> model batches, by the same mapping as Mastodon files.

A live message is the WebSocket form of a streaming event, ``{"stream": [...], "event": "update",
"payload": "<Status as a JSON string>"}``, which is also one line of a saved ``.jsonl`` capture, so
each is mapped by :func:`tigerblood.ingest.mastodon.responses.handle_record`, the batch adapter's
own code:
a status reads the same live as from a file, and a bad message is quarantined (DESIGN §4), never
raised. Two things differ on a live feed:

- rows are de-duplicated within a micro-batch only, and accounts are handed over after every one
  (their counts move; the engine keeps the latest profile). A post seen again in a later batch (an
  edit, ``status.update``) is passed on, and the engine keeps the first, as the batch path does;
- the answering server, which qualifies every id (``1093@mastodon.social``, see
  :mod:`tigerblood.ingest.mastodon.entities`), may not be known up front. Pass ``instance`` (the
  host you connected to) to have it from the first message. Otherwise it is learned from the first
  micro-batch with a message that shows it (a local account's profile URL) and kept from then on;
  that whole batch is qualified. Messages decoded before then keep bare ids, so an account seen
  both before and after is two accounts to the engine: counted in ``stats["bare_ids"]``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from tigerblood.ingest.base import Batch
from tigerblood.ingest.jsonio import MAX_RECORD_BYTES, Record, parse
from tigerblood.ingest.mastodon.entities import MastodonMapper, kind
from tigerblood.ingest.mastodon.responses import STATUS_EVENTS, handle_record, record_instance
from tigerblood.ingest.rows import Collector, parse_iso

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class MastodonDecoder:
    """Decodes micro-batches of Mastodon streaming messages; numbers messages across batches so a
    quarantined one names its place (``source:message number``, from 1)."""

    def __init__(self, source: str = "mastodon", instance: str | None = None) -> None:
        self.source = source
        self.instance = instance.lower() if instance else None
        self.stats: Counter[str] = Counter()
        self.position = 0
        self.limit = MAX_RECORD_BYTES

    def decode(self, messages: list[bytes]) -> tuple[list[Batch], list[int | None]]:
        """Model batches of ``messages`` and each message's time: its status's ``created_at`` in
        microseconds since the epoch for ``update``/``status.update``, else None."""
        records = [self._record(message) for message in messages]
        if self.instance is None:
            self.instance = next(
                (found for r in records if (found := record_instance(r.value)) is not None), None
            )
        rows = Collector(self.source)  # fresh per batch: see the module docstring
        mapper = MastodonMapper(rows, self.instance)
        batches = list(rows.run(records, lambda value: handle_record(mapper, value)))
        batches += list(rows.flush())
        self.stats["messages"] += len(records)
        if self.instance is None:
            self.stats["bare_ids"] += len(records)
        for record in records:
            if kind(record.value) == "event":
                self.stats[f"event/{record.value.get('event')}"] += 1
        self.stats["quarantined"] += sum(
            b.data.num_rows for b in batches if b.table == "quarantine"
        )
        return batches, [_time_us(record.value) for record in records]

    def cursor_of(self, message: bytes) -> int | None:
        """Always None: Mastodon's streaming API has no cursor or event id to resume from, so
        there is nothing to checkpoint; events sent while disconnected are gone (fetch them over
        the REST timelines if they matter)."""
        return None

    def _record(self, message: bytes) -> Record:
        """One message parsed, at its place in the feed; an oversized one is left unread."""
        self.position += 1
        location = f"{self.source}:{self.position}"
        if len(message) > self.limit:
            head = message[: self.limit + 1]
            return Record(location, error=f"message over the {self.limit}-byte limit", raw=head)
        return parse(location, message)


def _time_us(value: Any) -> int | None:
    """A status event's ``created_at`` in integer microseconds; None for other events and for a
    status whose time cannot be read."""
    if kind(value) != "event" or value.get("event") not in STATUS_EVENTS:
        return None
    payload = value.get("payload")
    try:
        status = orjson.loads(payload) if isinstance(payload, str) else payload
        created = status.get("created_at") if isinstance(status, dict) else None
        if not isinstance(created, str):
            return None
        return (parse_iso(created) - _EPOCH) // _MICROSECOND
    except (orjson.JSONDecodeError, ValueError, OverflowError):
        return None
