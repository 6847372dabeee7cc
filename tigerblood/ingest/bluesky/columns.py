"""Column buffers and timestamp parsing for the hot path of the Jetstream adapter.

At firehose rates (likes and follows are four events in five) the cost of a read is per-event
Python work, not parsing: building a dict per row and letting Arrow walk the dicts, and building a
timezone-aware ``datetime`` per timestamp that Arrow then converts back to an integer. Rows here are
kept as one list per column and times as Unix microseconds, which Arrow converts in a C loop.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from tigerblood import model
from tigerblood.ingest.bluesky.records import PLATFORM, parse_datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
MILLIS = {f"{ms:03d}": ms * 1000 for ms in range(1000)}
_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", re.ASCII)
CACHE_LIMIT = 1 << 20
"""Distinct seconds remembered before the cache starts over (bounds memory on odd inputs)."""


def to_micros(value: datetime) -> int:
    """An aware datetime as Unix microseconds, exactly as Arrow stores it in ``timestamp[us]``.

    >>> to_micros(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
    1000000
    """
    return (value - EPOCH) // _ONE_US


class Times:
    """``createdAt`` strings -> Unix microseconds, same answers as :func:`parse_datetime`.

    Clients write ``createdAt`` as JavaScript's ``toISOString()`` does
    (``2025-03-04T15:01:09.650Z``), so the events of one second share their first 19
    characters: that second is parsed once and cached, the milliseconds are looked up. Any other
    shape (offsets, microseconds, garbage) takes :func:`parse_datetime` itself.

    >>> times = Times()
    >>> times.micros("1970-01-01T00:00:01.500Z"), times.micros("1970-01-01T00:00:01+00:00")
    (1500000, 1000000)
    >>> times.micros("2025-02-30T00:00:00.000Z") is None
    True
    """

    def __init__(self) -> None:
        self.seconds: dict[str, int] = {}

    def micros(self, value: object) -> int | None:
        """Unix microseconds of an atproto datetime; None when absent or not valid."""
        if type(value) is str and value[19:20] == "." and value[23:] == "Z":
            base = self.seconds.get(value[:19])
            millis = MILLIS.get(value[20:23])
            if base is not None and millis is not None:
                return base + millis
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        micros = to_micros(parsed)
        if type(value) is str and value[19:20] == "." and value[23:] == "Z":
            self._remember(value, micros)
        return micros

    def _remember(self, value: str, micros: int) -> None:
        millis = MILLIS.get(value[20:23])
        if millis is None or not _SECOND.fullmatch(value, 0, 19):
            return
        if len(self.seconds) >= CACHE_LIMIT:
            self.seconds.clear()
        self.seconds[value[:19]] = micros - millis


class Columns:
    """Rows of one model table as one list per column, ``platform`` left out (always Bluesky).

    Columns the adapter never fills (``Columns("accounts", ["account_id"])``) come out null.
    The lists are cleared in place, never replaced, so a caller may hold their ``append``.
    """

    def __init__(self, table: str, names: list[str] | None = None) -> None:
        self.table = table
        self.schema = model.SCHEMAS[table]
        fields = names if names is not None else [f.name for f in self.schema][1:]
        self.data: dict[str, list] = {name: [] for name in fields}
        self._first = self.data[fields[0]]

    def __len__(self) -> int:
        return len(self._first)

    def clear(self) -> None:
        for values in self.data.values():
            values.clear()

    def to_arrow(self, start: int = 0, stop: int | None = None) -> pa.Table:
        """Rows ``start:stop`` as a model table (platform filled in, missing columns null)."""
        size = len(self._first[start:stop])
        arrays = []
        for field in self.schema:
            values = self.data.get(field.name)
            if values is not None:
                arrays.append(pa.array(values[start:stop], field.type))
            elif field.name == "platform":
                arrays.append(pa.array([PLATFORM] * size, field.type))
            else:
                arrays.append(pa.nulls(size, field.type))
        return pa.Table.from_arrays(arrays, schema=self.schema)
