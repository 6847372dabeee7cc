"""Research CSVs of Twitter API v1.1 *tweet* objects (Cresci-2017 ``tweets.csv``, MIB and kin).

The companions of the user CSVs read by :mod:`tigerblood.ingest.research.users_csv`: one tweet
a row, flattened from v1.1 JSON by the dataset's authors. Their quirks are undone here, so they
never reach the features:

- a missing id is written ``0`` (or ``0.0``, empty, ``NULL``, ``NA``): it means "not a reply",
  "not a retweet", never the tweet with id 0, so it becomes null;
- copies that went through a spreadsheet or pandas may hold ids in float notation
  (``5.67E+17``): the digits are gone, and joining on a rounded id would link the wrong tweets, so
  such a row is quarantined naming the column instead of being guessed at;
- ``source`` is the HTML anchor Twitter returned; the model keeps the client's visible name.

Entities (urls, mentions, hashtags) stay null: these files keep only their counts (``num_urls``,
...), and the ingest pipeline extracts the entities themselves from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from tigerblood import model
from tigerblood.ingest.base import (
    Adapter,
    Batch,
    SourceError,
    head_bytes,
    header_names,
    quarantine_batch,
)
from tigerblood.ingest.research.users_csv import TWITTER_TIME
from tigerblood.ingest.tabular import csv_reader, csv_rejects, reader_connection, typed_batches

ID_COLUMNS = {
    "post_id": "id",
    "account_id": "user_id",
    "reply_to_post_id": "in_reply_to_status_id",
    "reply_to_account_id": "in_reply_to_user_id",
    "repost_of_post_id": "retweeted_status_id",
    "quote_of_post_id": "quoted_status_id",
}
"""Model column -> source column, for the columns that hold tweet or user ids."""

REQUIRED = ("id", "user_id", "text")
"""Columns a file must have; a row must also have both ids (its text may be empty)."""

MARKERS = ("in_reply_to_status_id", "retweeted_status_id", "num_urls")
"""Tweet-only columns: one of them beside ``user_id`` and ``text`` tells a tweet CSV apart."""

LOCAL_TIME = "%Y-%m-%d %H:%M:%S"
"""The ``timestamp`` column, e.g. ``2014-10-20 17:55:07``, read as UTC when ``created_at`` fails."""

EXACT_FLOAT_LIMIT = 2**53
"""A float holds every integer up to 2**53 exactly, so ``3610511.0`` is still the id 3610511."""

NULL_WORDS = ("", "NULL", "NA", "NAN", "NONE")
"""How these exports write "no value" (MySQL dumps write ``NULL``, R and pandas ``NA``/``NaN``);
:data:`ID_FORMS` reads the same words as "no id"."""

ID_FORMS = r"^(?:(0+(?:\.0*)?|(?i:null|na|nan|none))|([0-9]+)|([0-9]+)\.0+)$"
"""An id cell, one regex pass: ``none`` (a zero or a null word), ``digits``, or ``float`` (the
integer part of ``123.0``); nothing matched means not an id at all (``5.67E+17``, ``abc``)."""

QUARANTINE_ROWS = 10_000
"""Rejected records turned into quarantine rows per batch."""


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _blank(column: str) -> str:
    """SQL: the value is missing or one of :data:`NULL_WORDS`."""
    words = ", ".join(f"'{w}'" for w in NULL_WORDS)
    return f"(coalesce(upper(trim({_q(column)})), '') IN ({words}))"


def _id_forms(column: str) -> str:
    """SQL: which of :data:`ID_FORMS` a cell is, as a struct (read once, used twice)."""
    return (
        f"regexp_extract(coalesce(trim({_q(column)}), ''), '{ID_FORMS}', "
        "['none', 'digits', 'float'])"
    )


def _id(forms: str) -> str:
    """SQL: the exact id as digits from a :func:`_id_forms` struct; null when there is none."""
    return (
        f"CASE WHEN {forms}.digits <> '' THEN {forms}.digits "
        f"WHEN {forms}.float <> '' AND TRY_CAST({forms}.float AS HUGEINT) <= {EXACT_FLOAT_LIMIT} "
        f"THEN {forms}.float END"
    )


def _failed(forms: str, column: str, required: bool) -> str:
    """SQL: the cell holds no usable id although it had to (required) or wrote something."""
    if required:
        return f"{_id(forms)} IS NULL"
    written = f"coalesce(trim({_q(column)}), '') <> '' AND {forms}.none = ''"
    return f"({_id(forms)} IS NULL AND {written})"


def _bad_ids(header: dict[str, str]) -> str:
    """SQL: the id columns of a row that fail (comma-separated, empty when none)."""
    checks = []
    for model_name, name in ID_COLUMNS.items():
        if name in header:
            failed = _failed(f"_forms_{model_name}", header[name], name in REQUIRED)
            checks.append(f"CASE WHEN {failed} THEN '{name}' END")
    return f"concat_ws(',', {', '.join(checks)})"


def _client(column: str) -> str:
    """SQL: the visible name inside ``<a href=…>Name</a>``; plain text as it is."""
    value = f"trim({_q(column)})"
    anchor = r"(?is)^<a\b[^>]*>(.*)</a>$"
    name = f"regexp_extract({value}, '{anchor}', 1)"
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "''")):
        name = f"replace({name}, '{entity}', '{char}')"
    name = f"replace({name}, '&amp;', '&')"
    return (
        f"CASE WHEN {_blank(column)} THEN NULL "
        f"WHEN regexp_matches({value}, '{anchor}') THEN nullif(trim({name}), '') "
        f"ELSE {value} END"
    )


def _created_at(header: dict[str, str]) -> str | None:
    """SQL: ``created_at`` in Twitter's format, else ``timestamp`` as UTC, else the raw text
    (which then fails its cast, so the row is quarantined naming ``created_at``)."""
    parsed, raw = [], []
    for name, fmt in (("created_at", TWITTER_TIME), ("timestamp", LOCAL_TIME)):
        if name in header:
            column = header[name]
            parsed.append(f"CAST(try_strptime(trim({_q(column)}), '{fmt}') AS VARCHAR)")
            raw.append(f"CASE WHEN NOT {_blank(column)} THEN trim({_q(column)}) END")
    return f"coalesce({', '.join(parsed + raw)})" if parsed else None


class TwitterTweetsCsvAdapter(Adapter):
    """CSV whose header carries ``user_id``, ``text`` and a tweet-only v1.1 field."""

    name = "twitter-v1-tweets-csv"
    description = "research CSV of Twitter API v1.1 tweet objects (Cresci-2017 tweets.csv, MIB)"

    def sniff(self, path: Path) -> bool:
        """A CSV file whose first line names ``user_id``, ``text`` and one of :data:`MARKERS`.

        Exact column names, not substrings: ``in_reply_to_user_id`` is no ``user_id``.
        """
        if not path.is_file() or not path.name.endswith((".csv", ".csv.gz")):
            return False
        names = {n.lower() for n in header_names(head_bytes(path))}
        return {"user_id", "text"} <= names and any(m in names for m in MARKERS)

    def read(self, path: Path) -> Iterator[Batch]:
        """Post batches, then quarantine rows (bad ids, bad times, rejected CSV lines).

        The file is read twice, as the tabular layout reads it for its bad rows: once for the
        posts, once more for the records whose ids failed, so those go out as they were written.
        """
        con = reader_connection()
        source = str(path)
        reader = csv_reader(path)
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        except duckdb.Error as exc:
            raise SourceError(f"{path}: cannot be read ({str(exc).splitlines()[0]})") from exc
        header = {r[0].lower(): r[0] for r in described}
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            seen = ", ".join(r[0] for r in described)
            error = f"missing required column(s) {', '.join(missing)}; columns seen: {seen}"
            yield quarantine_batch(
                [model.quarantine_row(source, f"{source}:1", missing[0], error, "")]
            )
            return
        forms = [
            f"{_id_forms(header[name])} AS _forms_{model_name}"
            for model_name, name in ID_COLUMNS.items()
            if name in header
        ]
        # The forms are read below the row numbering: a filter cannot cross it, so each cell's
        # regex runs once instead of once per use in the checks and values above.
        numbered = (
            f"(SELECT *, row_number() OVER () AS _row FROM "
            f"(SELECT *, {', '.join(forms)} FROM {reader}))"
        )
        checked = f"(SELECT *, {_bad_ids(header)} AS _bad_ids FROM {numbered})"
        selects = ["'twitter' AS platform", f"{_q(header['text'])} AS text"]
        for model_name, name in ID_COLUMNS.items():
            if name in header:
                selects.append(f"{_id(f'_forms_{model_name}')} AS {model_name}")
        created_at = _created_at(header)
        if created_at:
            selects.append(f"{created_at} AS created_at")
        if "source" in header:
            selects.append(f"{_client(header['source'])} AS client")
        if "lang" in header:
            lang = header["lang"]
            selects.append(f"CASE WHEN NOT {_blank(lang)} THEN trim({_q(lang)}) END AS lang")
        relation = f"(SELECT {', '.join(selects)}, _row FROM {checked} WHERE _bad_ids = '')"
        columns = {r[0]: r[1] for r in con.execute(f"DESCRIBE {relation}").fetchall()}
        yield from typed_batches(con, relation, "posts", columns, source)
        yield from _id_rejects(con, checked, source)
        yield from csv_rejects(con, source)


def _id_rejects(con: duckdb.DuckDBPyConnection, checked: str, source: str) -> Iterator[Batch]:
    """Quarantine rows for records whose ids are missing or inexact, with the record as read."""
    query = f"SELECT * FROM {checked} WHERE _bad_ids <> '' ORDER BY _row"
    reader = con.sql(query).to_arrow_reader(QUARANTINE_ROWS)
    for record_batch in reader:
        rows = []
        for record in record_batch.to_pylist():
            fields = record["_bad_ids"].split(",")
            raw = {k: v for k, v in record.items() if not k.startswith("_")}
            by_name = {k.lower(): v for k, v in raw.items()}
            error = "; ".join(_why(f, by_name.get(f)) for f in fields)
            location = f"{source}:row {record['_row']}"
            rows.append(model.quarantine_row(source, location, fields[0], error, raw))
        yield quarantine_batch(rows)


def _why(column: str, value: str | None) -> str:
    """The reason one id cell failed, in words a person can check against the file.

    >>> _why("in_reply_to_status_id", "5.67E+17")
    "in_reply_to_status_id '5.67E+17' is not an exact id (ids are digits; float notation lost some)"
    >>> _why("user_id", "0")
    "user_id is missing ('0'): every tweet needs one"
    """
    text = (value or "").strip()
    found = re.fullmatch(ID_FORMS, text)
    if not text or (found and found.group(1)):
        return f"{column} is missing ({repr(value) if text else 'empty'}): every tweet needs one"
    return f"{column} {value!r} is not an exact id (ids are digits; float notation lost some)"
