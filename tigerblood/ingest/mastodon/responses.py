"""Mastodon: REST API responses and streaming events saved as JSON, JSON Lines or raw SSE text.

What is read (see docs/sources/mastodon.md): Account and Status entities and arrays of them
(timelines, followers pages), thread contexts, notifications, search results, tigerblood's own
``{"instance", "account", "followers", "following"}`` layout (the one way a followers list says
whose it is), and the streaming API as JSON lines (``{"event": "update", "payload": "..."}``) or as
the server-sent-events text itself (``event: update`` / ``data: {...}``).

Ids are qualified with the server that answered (see :mod:`mastodon_entities`). A file is taken to
come from one server; which one is read from its data (a local account's profile URL), or given as
``MastodonAdapter(instance=...)``; when neither says, ids stay bare.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from tigerblood.ingest.base import Adapter, Batch, SourceError
from tigerblood.ingest.jsonio import (
    MAX_RECORD_BYTES,
    STREAM_ERRORS,
    Record,
    guarded,
    iter_lines,
    iter_records,
    open_binary,
    safe_head,
)
from tigerblood.ingest.mastodon.entities import (
    IGNORED_EVENTS,
    MastodonMapper,
    kind,
    local_instance,
)
from tigerblood.ingest.rows import Collector, RecordError

_SSE_FIELDS = (b"event:", b"data:", b":")
STATUS_EVENTS = frozenset({"update", "status.update"})
"""Streaming events whose payload is a Status (a new post, or an edit of one)."""


def _is_sse(head: bytes) -> bool:
    return head.lstrip().startswith(_SSE_FIELDS)


def sse_records(stream: IO[bytes], name: str, limit: int = MAX_RECORD_BYTES) -> Iterator[Record]:
    """Server-sent events as ``{"event", "payload"}`` records, located at their first line.

    Comment lines (``:thump``, Mastodon's heartbeat) are skipped; several ``data:`` lines join
    with newlines, as the SSE specification says.
    """
    event: str | None = None
    data: list[str] = []
    start = 0
    for number, line in iter_lines(stream, limit):
        if line is None:
            yield Record(f"{name}:{number}", error=f"line larger than the {limit}-byte limit")
            continue
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if event is not None or data:
                yield Record(
                    f"{name}:{start}", {"event": event or "message", "payload": "\n".join(data)}
                )
            event, data, start = None, [], 0
            continue
        if text.startswith(":"):
            continue
        field, _, value = text.partition(":")
        value = value.removeprefix(" ")
        start = start or number
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
    if event is not None or data:
        yield Record(f"{name}:{start}", {"event": event or "message", "payload": "\n".join(data)})


def handle_record(mapper: MastodonMapper, value: Any) -> None:
    """Map one record, an entity or a streaming event, onto ``mapper``'s rows.

    Shared by the file adapter and the live decoder (:mod:`tigerblood.stream.mastodon_decode`)
    so that an event reads the same from a capture as from the socket. Events that carry no
    account or post (``delete``, filters, announcements) are skipped; a payload that is not JSON
    or an unknown event raises :class:`RecordError`, which quarantines the record.
    """
    if kind(value) != "event":
        mapper.entity(value)
        return
    event = value.get("event")
    if event in IGNORED_EVENTS:
        return
    payload = value.get("payload")
    if isinstance(payload, str):
        try:
            payload = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise RecordError("payload", f"invalid JSON in event payload: {exc}") from None
    if event in STATUS_EVENTS and isinstance(payload, dict):
        mapper.status(payload)
    elif event in ("notification", "conversation"):
        mapper.entity(payload)
    else:
        raise RecordError("event", f"unknown streaming event {event!r} or its payload")


def record_instance(value: Any) -> str | None:
    """The answering server, when this one record shows it (an event's payload is parsed first);
    None when it does not, or when the payload is not JSON."""
    if kind(value) == "event" and isinstance(value.get("payload"), str):
        try:
            value = orjson.loads(value["payload"])
        except orjson.JSONDecodeError:
            return None
    return local_instance(value)


class MastodonAdapter(Adapter):
    """Mastodon REST entities and streaming events (module docstring lists the layouts)."""

    name = "mastodon"
    description = "Mastodon API responses and streaming events (JSON, JSON Lines, SSE text)"
    PRESCAN_RECORDS = 1_000
    """How many records are searched for the answering server before ids stay bare."""

    def __init__(
        self, instance: str | None = None, max_record_bytes: int = MAX_RECORD_BYTES
    ) -> None:
        self.instance, self.limit = instance, max_record_bytes

    def sniff(self, path: Path) -> bool:
        """A file whose first bytes hold Mastodon-only keys (``acct``, ``spoiler_text``) or a
        Mastodon streaming event."""
        if not path.is_file():
            return False
        head = safe_head(path)
        if _is_sse(head):
            return any(f"event: {e}".encode() in head for e in (*STATUS_EVENTS, "delete"))
        if b'"acct"' in head or b'"spoiler_text"' in head:
            return True
        return b'"event"' in head and b'"payload"' in head and b'"update"' in head

    def read(self, path: Path) -> Iterator[Batch]:
        """Batches of accounts, posts and follows; bad records as quarantine rows."""
        source = str(path)
        instance = self.instance or self._find_instance(path, source)
        rows = Collector(source)
        mapper = MastodonMapper(rows, instance)
        with self._open(path) as (stream, sse):
            records = (
                sse_records(stream, source, self.limit)
                if sse
                else iter_records(stream, source, self.limit)
            )
            yield from rows.run(
                guarded(records, source), lambda value: handle_record(mapper, value)
            )
        yield from rows.flush()

    def _open(self, path: Path) -> _Opened:
        try:
            stream = open_binary(path)
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        try:
            head = stream.peek(64) if hasattr(stream, "peek") else b""
        except STREAM_ERRORS:  # a broken compressed file: the reader reports it as quarantine
            head = b""
        return _Opened(stream, _is_sse(head))

    def _find_instance(self, path: Path, source: str) -> str | None:
        """The answering server, from the first records that show it (a local account's URL)."""
        with self._open(path) as (stream, sse):
            records = (
                sse_records(stream, source, self.limit)
                if sse
                else iter_records(stream, source, self.limit)
            )
            for record in islice(guarded(records, source), self.PRESCAN_RECORDS):
                if (found := record_instance(record.value)) is not None:
                    return found
        return None


class _Opened:
    """An open source stream and whether it is SSE text; closes the stream on exit."""

    def __init__(self, stream: IO[bytes], sse: bool) -> None:
        self.stream, self.sse = stream, sse

    def __enter__(self) -> tuple[IO[bytes], bool]:
        return self.stream, self.sse

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
