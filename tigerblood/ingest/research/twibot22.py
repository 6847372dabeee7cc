"""The TwiBot-22 folder layout (also used for TwiBot-20-Format22 and the other converted datasets).

Files (LuoUndergradXJTU/TwiBot-22, descriptions/metadata.md): ``user.json`` (or ``node.json``
holding users, tweets, lists and hashtags together), ``tweet_0.json`` … ``tweet_8.json``,
``label.csv`` (``id,label`` with ``bot``/``human``) and ``edge.csv`` (``source_id,relation,
target_id``). ``edge.csv`` holds 170 million rows, so it is read in Arrow blocks and filtered to
the follow relations there: a row-by-row Python loop would take most of an hour. Relations are
read as named from the source's point of view, as the crawler fetched them: ``A following B``
(A follows B) and ``A followers B`` (B is a follower of A). ``split.csv``, ``list.json`` and
``hashtag.json`` are not read: the model has no place for them.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tigerblood import model
from tigerblood.ingest.base import Batch, SourceError, quarantine_batch
from tigerblood.ingest.jsonio import guarded, iter_records, open_binary
from tigerblood.ingest.rows import Collector, RecordError
from tigerblood.ingest.twitter.objects import PLATFORM, Ids, v2_tweet, v2_user

FOLLOW_RELATIONS = ("following", "followers")
OTHER_RELATIONS = frozenset(
    {
        *("post", "pinned", "like", "mentioned", "retweeted", "quoted", "replied_to", "own"),
        *("membership", "followed", "contain", "discuss"),
    }
)
LABELS = {"bot": (1, "bot"), "human": (0, "human")}
MAX_QUARANTINE = 10_000
"""Bad ``edge.csv`` rows quarantined per file; past this one row says how many more there were."""
_TEXT = pa.string()
_TWEET_FILE = re.compile(r"tweet_(\d+)\.json$")


def _prefixed(prefix: str) -> Callable[[str], str]:
    return lambda value: value if value.startswith(prefix) else prefix + value


IDS = Ids(user=_prefixed("u"), tweet=_prefixed("t"))
"""TwiBot-22 writes ``u123``/``t456`` in its own files, bare ids inside tweets: add the prefix."""


def _node(rows: Collector, obj: Any) -> None:
    """One object of user.json, node.json or tweet_N.json, told apart by its id prefix."""
    if not isinstance(obj, dict):
        raise RecordError("record", "expected a user or tweet object")
    created = obj.get("created_at")
    if isinstance(created, int | float) and not isinstance(created, bool):  # pandas re-exports
        try:
            when = datetime.fromtimestamp(created / 1000, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            rows.quarantine("created_at", "epoch milliseconds out of range", created)
            when = None
        obj = {**obj, "created_at": when}
    node_id = obj.get("id")
    prefix = node_id[:1] if isinstance(node_id, str) else ""
    if prefix in ("l", "h"):  # lists and hashtags: nothing in the model holds them
        return
    if prefix == "t" or "author_id" in obj or "text" in obj:
        v2_tweet(rows, obj, IDS)
    else:
        v2_user(rows, obj, IDS)


def read_twibot22(folder: Path, limit: int) -> Iterator[Batch]:
    """Users, tweets, labels and follow edges of one TwiBot-22-style folder."""
    source = str(folder)
    rows = Collector(source, dedupe=())
    tweet_files = sorted(
        (p for p in folder.iterdir() if _TWEET_FILE.search(p.name)),
        key=lambda p: int(_TWEET_FILE.search(p.name).group(1)),  # type: ignore[union-attr]
    )
    nodes = [folder / "user.json"] if (folder / "user.json").is_file() else [folder / "node.json"]
    for path in nodes + tweet_files:
        try:
            stream = open_binary(path)
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        with stream:
            records = guarded(iter_records(stream, path.name, limit), path.name)
            yield from rows.run(records, lambda obj: _node(rows, obj))
    if (folder / "label.csv").is_file():
        _labels(folder / "label.csv", rows)
    yield from rows.flush()
    if (folder / "edge.csv").is_file():
        yield from _edges(folder / "edge.csv", source)


def _labels(path: Path, rows: Collector) -> None:
    """``id,label`` rows; labels other than bot/human are quarantined."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        try:
            _label_rows(reader, rows)
        except csv.Error as exc:  # e.g. a field past csv's size limit: the rest is unreadable
            where = f"label.csv:{reader.line_num}"
            rows.quarantine("record", f"unreadable from here on: {exc}", "", where)


def _label_rows(reader: Any, rows: Collector) -> None:
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:2]] != ["id", "label"]:
        rows.quarantine("header", "label.csv must start with id,label", header, "label.csv:1")
        return
    for row in reader:
        rows.begin(f"label.csv:{reader.line_num}")
        if len(row) != 2 or not row[0].strip() or row[1].strip() not in LABELS:
            rows.quarantine("label", "expected id,bot or id,human", ",".join(row))
            continue
        value, kind = LABELS[row[1].strip()]
        rows.add(
            "labels",
            {
                "platform": PLATFORM,
                "account_id": row[0].strip(),
                "label": value,
                "kind": kind,
                "source": "twibot-22",
            },
        )


def _edges(path: Path, source: str) -> Iterator[Batch]:
    """Follow rows from ``edge.csv`` in Arrow blocks; malformed rows and unknown relations are
    quarantined (up to :data:`MAX_QUARANTINE`), and an unreadable file costs only its rows."""
    edges = _EdgeReader(source)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=edges.invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={"source_id": _TEXT, "relation": _TEXT, "target_id": _TEXT},
                include_columns=["source_id", "relation", "target_id"],
            ),
        )
        for block in reader:
            yield from edges.block(pa.Table.from_batches([block]))
            yield from edges.drain()
    except (pa.ArrowInvalid, pa.ArrowKeyError, OSError) as exc:
        edges.reject(edges.line(edges.kept), "record", f"unreadable from here on: {exc}", "")
    yield from edges.drain(final=True)


class _EdgeReader:
    """State of one ``edge.csv`` read: rows kept so far and the line numbers Arrow skipped,
    so a kept row's line in the file can be told even after malformed rows were dropped."""

    def __init__(self, source: str) -> None:
        self.source, self.kept, self.dropped = source, 0, 0
        self.skipped: list[int] = []
        self.bad: list[dict] = []

    def reject(self, location: str, field: str, error: str, raw: str) -> None:
        if len(self.bad) < MAX_QUARANTINE:
            self.bad.append(model.quarantine_row(self.source, location, field, error, raw))
        else:
            self.dropped += 1

    def invalid(self, row: Any) -> str:
        if row.number is not None:
            self.skipped.append(row.number)
        where = f"edge.csv:{row.number if row.number is not None else '?'}"
        self.reject(where, "record", f"{row.actual_columns} columns, not 3", row.text)
        return "skip"

    def line(self, kept_index: int) -> str:
        """``edge.csv:N`` for the kept row ``kept_index`` (0-based; line 1 is the header)."""
        line = 2 + kept_index
        while True:
            moved = 2 + kept_index + bisect_right(self.skipped, line)
            if moved == line:
                return f"edge.csv:{line}"
            line = moved

    def drain(self, final: bool = False) -> Iterator[Batch]:
        if final and self.dropped:  # the summary row is kept even past the cap
            error = f"{self.dropped} more bad rows, not listed"
            self.bad.append(model.quarantine_row(self.source, "edge.csv", "record", error, ""))
        if self.bad:
            yield quarantine_batch(self.bad)
            self.bad = []

    def block(self, table: pa.Table) -> Iterator[Batch]:
        """One block of edges -> follows."""
        relation = pc.utf8_trim_whitespace(table.column("relation"))
        known = pc.is_in(relation, pa.array([*FOLLOW_RELATIONS, *OTHER_RELATIONS]))
        empty = pc.or_(
            pc.equal(pc.utf8_length(table.column("source_id")), 0),
            pc.equal(pc.utf8_length(table.column("target_id")), 0),
        )
        problems = pc.or_kleene(pc.invert(pc.fill_null(known, False)), pc.fill_null(empty, True))
        for index in pc.indices_nonzero(problems).to_pylist():
            values = [
                table.column(c)[index].as_py() for c in ("source_id", "relation", "target_id")
            ]
            error = "unknown relation or empty id"
            self.reject(self.line(self.kept + index), "relation", error, ",".join(map(str, values)))
        self.kept += table.num_rows
        ok = pc.invert(problems)
        forward = table.filter(pc.and_(ok, pc.equal(relation, "following")))
        backward = table.filter(pc.and_(ok, pc.equal(relation, "followers")))
        follower = pa.chunked_array(
            [*forward.column("source_id").chunks, *backward.column("target_id").chunks], _TEXT
        )
        followee = pa.chunked_array(
            [*forward.column("target_id").chunks, *backward.column("source_id").chunks], _TEXT
        )
        size = len(follower)
        if size:
            data = pa.table(
                {
                    "platform": pa.array([PLATFORM] * size, _TEXT),
                    "follower_id": follower,
                    "followee_id": followee,
                    "action": pa.array(["follow"] * size, _TEXT),
                }
            )
            yield Batch("follows", model.conform("follows", data))
