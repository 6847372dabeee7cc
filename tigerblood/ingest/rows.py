"""Collecting model rows while an adapter reads, with field-level quarantine and bounded batches.

Every adapter needs the same three things: turn loosely typed platform values into model types
without guessing, report each value it could not read (source, location, field, error) instead of
dropping it, and hand rows on in batches so memory stays flat on large dumps. Keeping that here
keeps the adapters down to "which platform field goes to which model column".

>>> c = Collector("example.jsonl")
>>> c.begin("example.jsonl:3")
>>> c.integer("12 ", "followers_count"), c.integer("abc", "following_count")
(12, None)
>>> c.pending("quarantine")[0]["field"]
'following_count'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from tigerblood import model
from tigerblood.ingest.base import Batch
from tigerblood.ingest.jsonio import Record

BATCH_ROWS = 20_000
MAX_SEEN = 2_000_000
"""Keys remembered per table for de-duplication; past this the memory is started afresh."""
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _table(name: str, rows: list[dict]) -> pa.Table:
    """``model.to_table``'s contract (missing keys null, unknown keys dropped), done in C by
    ``from_pylist``: the per-cell Python lookups of ``to_table`` were half of a TwiBot read."""
    return pa.Table.from_pylist(rows, schema=model.SCHEMAS[name])


class RecordError(ValueError):
    """A record that cannot be mapped at all (e.g. no id): the whole record is quarantined."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(error)
        self.field = field


def as_dict(value: object) -> dict:
    """``value`` if it is a JSON object, else an empty one: optional sub-objects of the wrong
    type read as absent instead of failing the record (their fields then stay null)."""
    return value if isinstance(value, dict) else {}


def parse_iso(text: str) -> datetime:
    """ISO 8601 as the APIs write it (``2018-10-10T20:19:24.000Z``); no zone means UTC."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_twitter_time(text: str) -> datetime:
    """Twitter's v1.1 format, ``Wed Oct 10 20:19:24 +0000 2018``, read without the C locale."""
    _, month, day, clock, zone, year = text.split()
    hour, minute, second = (int(part) for part in clock.split(":"))
    if len(zone) != 5 or zone[0] not in "+-":
        raise ValueError(f"bad UTC offset {zone!r}")
    value = datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=UTC)
    offset = (int(zone[1:3]) * 60 + int(zone[3:5])) * (1 if zone[0] == "+" else -1)
    return datetime.fromtimestamp(value.timestamp() - offset * 60, UTC)


class Collector:
    """Rows per model table for one source; ``begin`` each record, ``ready``/``flush`` batches.

    In the ``dedupe`` tables a row whose primary key (``model.PRIMARY_KEYS``) was already
    collected in this read is skipped, so an account embedded in every tweet becomes one row (the
    first seen, as the store keeps too). Huge tables whose rows are unique by construction are left
    out to keep memory flat.
    """

    def __init__(
        self,
        source: str,
        *,
        dedupe: Iterable[str] = ("accounts", "posts", "follows", "labels"),
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.source, self.batch_rows, self.location = source, batch_rows, ""
        self._rows: dict[str, list[dict]] = {name: [] for name in model.SCHEMAS}
        self._seen: dict[str, set[tuple]] | None = {name: set() for name in dedupe} or None
        self._mark: dict[str, int] = {}
        self._keys: list[tuple[str, tuple]] = []

    def begin(self, location: str) -> None:
        """Start a record: rows added from here on are dropped if the record fails."""
        self.location = location
        self._mark = {name: len(rows) for name, rows in self._rows.items()}
        self._keys = []

    def fail(self, field: str, error: str, raw: object) -> None:
        """Undo the current record's rows and quarantine it whole."""
        for name, size in self._mark.items():
            del self._rows[name][size:]
        if self._seen is not None:
            for name, key in self._keys:
                self._seen[name].discard(key)
        self.quarantine(field, error, raw)

    def add(self, table: str, row: dict[str, Any]) -> bool:
        """Collect one row; False when it duplicates one already collected."""
        if self._seen is not None and table in self._seen:
            key = tuple(row.get(column) for column in model.PRIMARY_KEYS[table])
            seen = self._seen[table]
            if key in seen:
                return False
            if len(seen) >= MAX_SEEN:  # bounded memory: the store drops later repeats anyway
                seen.clear()
            seen.add(key)
            self._keys.append((table, key))
        self._rows[table].append(row)
        return True

    def quarantine(self, field: str, error: str, raw: object, location: str | None = None) -> None:
        """Report one value or record that could not be read."""
        row = model.quarantine_row(self.source, location or self.location, field, error, raw)
        self._rows["quarantine"].append(row)

    def pending(self, table: str) -> list[dict]:
        """Rows collected and not yet handed on (for tests and doctests)."""
        return self._rows[table]

    def ready(self) -> Iterator[Batch]:
        """Batches for the tables that reached ``batch_rows``."""
        for name, rows in self._rows.items():
            if len(rows) >= self.batch_rows:
                yield Batch(name, _table(name, rows))
                self._rows[name] = []

    def flush(self) -> Iterator[Batch]:
        """Batches for everything still collected."""
        for name, rows in self._rows.items():
            if rows:
                yield Batch(name, _table(name, rows))
                self._rows[name] = []

    def run(self, records: Iterable[Record], handle: Callable[[Any], None]) -> Iterator[Batch]:
        """Feed parsed records to ``handle``; syntax and structure errors quarantine the record."""
        for record in records:
            self.begin(record.location)
            if record.error is not None:
                self.quarantine("record", record.error, record.raw.decode("utf-8", "replace"))
            else:
                self.guard(handle, record.value)
            yield from self.ready()

    def guard(self, handle: Callable[[Any], None], value: Any) -> None:
        """Call ``handle(value)``; a record of the wrong shape is quarantined, never raised."""
        try:
            handle(value)
        except RecordError as exc:
            self.fail(exc.field, str(exc), value)
        except (
            TypeError,
            ValueError,
            AttributeError,
            LookupError,
            ArithmeticError,
            RecursionError,
        ) as exc:
            self.fail("record", f"unexpected structure: {type(exc).__name__}: {exc}", value)

    # Coercions: a value of the wrong type is quarantined under its field name and read as null.

    def _bad(self, field: str, expected: str, value: object) -> Any:
        """Quarantine a value of the wrong type; returns None, the value it is read as."""
        self.quarantine(field, f"expected {expected}, got {value!r:.80}", value)
        return None

    def integer(self, value: object, field: str) -> int | None:
        """A count: ints, integral floats and digit strings (``"1234 "``) are exact; else null."""
        if value is None or isinstance(value, bool):
            if isinstance(value, bool):
                self._bad(field, "an integer", value)
            return None
        if isinstance(value, int):
            if -(2**63) <= value < 2**63:
                return value
            return self._bad(field, "a 64-bit integer", value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return self.integer(int(value.strip()), field)
        if isinstance(value, str) and value.strip() in ("", "None", "null"):
            return None
        return self._bad(field, "an integer", value)

    def boolean(self, value: object, field: str) -> bool | None:
        """True/False, also spelled as strings (``"True "``, ``"false"``) by research dumps."""
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("true", "false"):
                return text == "true"
            if text in ("", "none", "null"):
                return None
        return self._bad(field, "true or false", value)

    def text(self, value: object, field: str) -> str | None:
        """A string as given (no trimming: whitespace can be part of the evidence)."""
        if value is None or isinstance(value, str):
            return value
        return self._bad(field, "a string", value)

    def ident(self, value: object, field: str) -> str | None:
        """An identifier: strings and integers are kept exactly; floats lost digits, so null."""
        if value is None or isinstance(value, bool):
            return None if value is None else self._bad(field, "an id", value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            text = value.strip()
            return text if text and text not in ("None", "null") else None
        return self._bad(field, "an id (string or integer)", value)

    def when(self, value: object, field: str, parse: Callable[[str], datetime] = parse_iso) -> Any:
        """A UTC timestamp parsed by ``parse``; unparseable text is quarantined."""
        if value is None or (isinstance(value, str) and value.strip() in ("", "None")):
            return None
        if not isinstance(value, str):
            return self._bad(field, "a date string", value)
        try:
            return parse(value.strip())
        except (ValueError, KeyError, OverflowError):
            return self._bad(field, "a date", value)

    def strings(self, values: Iterable[object], field: str) -> list[str]:
        """Keep the non-empty strings of a list, in order, without repeats."""
        out: list[str] = []
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if isinstance(value, str) and value and value not in out:
                out.append(value)
            elif value is not None and not isinstance(value, str):
                self._bad(field, "a string", value)
        return out
