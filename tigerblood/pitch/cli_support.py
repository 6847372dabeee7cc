"""``tigerblood pitch FILE``: score every text of a CSV or JSON Lines file for sales pitches.

Why a row-for-row output: a person checking the scores lines them up with the input, so each input
row gives exactly one output line, in order, even when the row is broken; a broken row gets
``"pitch_score": null`` and an ``error`` saying where (file:line) and which field (DESIGN §4).
A file that cannot be read at all, or has no text column, raises :class:`PitchInputError`.

>>> import io, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = path.write_text("id,text\\n7,Subscribe to my channel! www.x.com\\n8,lovely song\\n")
>>> out = io.StringIO()
>>> run_pitch(path, None, out)
0
>>> for line in out.getvalue().splitlines():
...     row = orjson.loads(line)
...     print(row["id"], row["is_pitch"], row["cues"])
7 True ['my channel', 'subscribe', 'link: www.x.com']
8 False []
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO

import orjson

from tigerblood.pitch.classifier import PitchClassifier, default_classifier
from tigerblood.pitch.cues import explain
from tigerblood.pitch.text import normalize_text

TEXT_COLUMNS: tuple[str, ...] = ("text", "content", "CONTENT", "body", "comment")
ID_COLUMNS: tuple[str, ...] = ("id", "post_id", "COMMENT_ID")
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
BATCH = 1000  # rows scored per model call: bounded memory, still vectorized
PEEK = 1000  # JSON Lines rows read to learn the columns before choosing the text column


class PitchInputError(Exception):
    """The file cannot be used at all (unreadable, no text column): names the file and the cause."""


@dataclass
class _Row:
    """One input row on its way out: where it came from, its id, its text or its error."""

    line: int
    values: dict[str, Any] | None
    error: str | None = None


def _open_text(path: Path) -> TextIO:
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return io.TextIOWrapper(
            gzip.GzipFile(fileobj=raw), encoding="utf-8-sig", errors="replace", newline=""
        )
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _is_jsonl(path: Path, head: str) -> bool:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in JSONL_SUFFIXES:
        return True
    if suffixes and suffixes[-1] in {".csv", ".tsv"}:
        return False
    return head.lstrip().startswith("{")


def _csv_rows(handle: TextIO, delimiter: str) -> tuple[list[str], Iterator[_Row]]:
    reader = csv.DictReader(handle, delimiter=delimiter)
    columns = list(reader.fieldnames or [])

    def rows() -> Iterator[_Row]:
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield _Row(start, None, f"row: unreadable CSV ({error})")
                start = reader.line_num + 1
                continue
            yield _Row(start, dict(values))
            start = reader.line_num + 1

    return columns, rows()


def _jsonl_rows(handle: TextIO) -> Iterator[_Row]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue  # blank lines are not rows (a trailing newline, a separator)
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield _Row(number, None, f"line: not valid JSON ({error})")
            continue
        if not isinstance(value, dict):
            yield _Row(number, None, f"line: a JSON {type(value).__name__}, not an object")
            continue
        yield _Row(number, value)


def _read(path: Path) -> tuple[list[str], Iterator[_Row], TextIO]:
    """Columns seen, the rows, and the open handle (the caller closes it)."""
    try:
        handle = _open_text(path)
        head = handle.read(4096)
        handle.seek(0)
    except (OSError, EOFError) as error:
        raise PitchInputError(f"{path}: cannot read ({error})") from error
    if _is_jsonl(path, head):
        rows = _jsonl_rows(handle)
        peeked = list(islice(rows, PEEK))
        columns = list(dict.fromkeys(k for row in peeked if row.values for k in row.values))
        return columns, chain(peeked, rows), handle
    delimiter = "\t" if path.suffix.lower() == ".tsv" or "\t" in head.split("\n", 1)[0] else ","
    columns, rows = _csv_rows(handle, delimiter)
    return columns, rows, handle


def _choose(
    columns: Sequence[str], wanted: str | None, defaults: Sequence[str], what: str, path: Path
) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise PitchInputError(
                f"{path}: no {what} column {wanted!r}; columns seen: {', '.join(columns) or 'none'}"
            )
        return wanted
    return next((name for name in defaults if name in columns), None)


def run_pitch(
    path: Path,
    column: str | None,
    out: TextIO,
    id_column: str | None = None,
    threshold: float = 0.5,
    *,
    model: PitchClassifier | None = None,
) -> int:
    """Score each row's text; write one JSON line per row, in input order; return the error count.

    The text column is ``column``, else the first of :data:`TEXT_COLUMNS` present; the id is
    ``id_column``, else the first of :data:`ID_COLUMNS` present, else the 1-based row number.
    """
    path = Path(path)
    columns, rows, handle = _read(path)
    with handle:
        text_col = _choose(columns, column, TEXT_COLUMNS, "text", path)
        if text_col is None:
            seen = ", ".join(columns) or "none"
            raise PitchInputError(
                f"{path}: no text column (looked for {', '.join(TEXT_COLUMNS)}; columns seen: "
                f"{seen}); name one with --column"
            )
        id_col = _choose(columns, id_column, ID_COLUMNS, "id", path)
        clf = model or default_classifier()
        errors = 0
        numbered = enumerate(rows, start=1)
        while batch := list(islice(numbered, BATCH)):
            errors += _score_batch(batch, path.name, text_col, id_col, clf, threshold, out)
    return errors


def _score_batch(
    batch: list[tuple[int, _Row]],
    name: str,
    text_col: str,
    id_col: str | None,
    clf: PitchClassifier,
    threshold: float,
    out: TextIO,
) -> int:
    records: list[dict[str, Any]] = []
    texts: list[str] = []
    for number, row in batch:
        values = row.values or {}
        raw_id = values.get(id_col) if id_col else None
        record: dict[str, Any] = {
            "id": raw_id if raw_id not in (None, "") else number,
            "pitch_score": None,
            "is_pitch": None,
            "cues": [],
        }
        text = values.get(text_col)
        if row.error is not None:
            record["error"] = f"{name}:{row.line}: {row.error}"
        elif text is None:
            record["error"] = f"{name}:{row.line}: {text_col}: missing"
        elif not isinstance(text, str):
            record["error"] = f"{name}:{row.line}: {text_col}: a {type(text).__name__}, not text"
        elif not text.strip():
            record["error"] = f"{name}:{row.line}: {text_col}: empty"
        else:
            texts.append(text)
        records.append(record)
    scores = iter(clf.predict_proba(texts)) if texts else iter(())
    kept = clf.kept_cues or ()  # list only the data-checked cues this model reads
    plain = iter(texts)
    for record in records:
        if "error" not in record:
            score = float(next(scores))
            record["pitch_score"] = round(score, 4)
            record["is_pitch"] = score >= threshold
            record["cues"] = explain(normalize_text(next(plain)), kept=kept)
        out.write(orjson.dumps(record).decode() + "\n")
    return sum("error" in record for record in records)
