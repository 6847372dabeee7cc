"""Entities of ASCII words read by DuckDB's regex engine: Python reads only what RE2 cannot.

Reading 1.9 M distinct words of Cresci-2015 in Python cost about 30 s of CPU, and most of them
need no Python at all. On an ASCII word the libraries' own patterns mean the same in RE2 as in
Python, so DuckDB runs them on every core:

- mentions and hashtags: ttp's two patterns, rewritten for RE2 character for character
  (:data:`MENTION`, :data:`HASHTAG`). ttp compiles its mention pattern with ``re.ASCII`` and its
  hashtag pattern case-insensitive; on ASCII text both mean exactly the classes written out here
  (case-insensitive ``[a-z]`` only adds the Kelvin sign, long s and dotted/dotless i, which an
  ASCII word never holds). If ttp ever changes a pattern, :func:`patterns_current` turns this
  path off and every word goes back to Python.
- t.co links: ``entities.tco_shape`` asks twitter-text once per (prefix, code length); the codes
  of every shape whose link is the word itself get it here.
- words whose dot-runs hold no listed TLD hold no link (``entities.could_hold_link``, the same
  test in SQL).

What is left (non-ASCII words, words that may hold a link) goes to :mod:`entities`. Property
tests hold the whole path to the plain library calls.
"""

from __future__ import annotations

import re
from functools import cache

import duckdb
import pyarrow as pa
from ttp.ttp import HASHTAG_REGEX, USERNAME_REGEX

from tigerblood.ingest.entities import _ascii_tlds, tco_shape

MENTION = r"\B[@\x{FF20}]([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9\x{80}-\x{FF}-]{0,79})?"
"""ttp's USERNAME_REGEX for RE2 (``re.ASCII | re.IGNORECASE`` written out as classes)."""

HASHTAG = r"(^|[^0-9A-Za-z&/]+)(#|\x{FF03})([0-9A-Za-z_]*[A-Za-z_]+[a-zA-Z0-9_]*)"
"""ttp's HASHTAG_REGEX for RE2, on ASCII words (its accented letters never occur there)."""

TCO = r"( ?[Hh][Tt][Tt][Pp][Ss]?://[Tt]\.[Cc][Oo]/)([A-Za-z0-9]+)"
"""``entities._TCO_WORD``: a whole word that is a t.co link."""

_TRANSLATED = {
    "mention": (
        r"\B[@\uff20]([a-z0-9_]{1,20})(/[a-z][a-z0-9\x80-\xFF-]{0,79})?",
        re.ASCII | re.IGNORECASE,
    ),
    "hashtag": (
        r"(^|[^0-9A-Z&/]+)(#|\uff03)([0-9A-Z_]*[A-Z_]+[a-z0-9_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*)",
        re.IGNORECASE | re.UNICODE,
    ),
}
"""The ttp patterns (and flags) :data:`MENTION` and :data:`HASHTAG` were translated from."""


@cache
def patterns_current() -> bool:
    """True when ttp's patterns are still the ones translated here."""
    return (USERNAME_REGEX.pattern, USERNAME_REGEX.flags & ~re.UNICODE) == (
        _TRANSLATED["mention"][0],
        _TRANSLATED["mention"][1] & ~re.UNICODE,
    ) and (HASHTAG_REGEX.pattern, HASHTAG_REGEX.flags) == _TRANSLATED["hashtag"]


_NOT_LISTS = f"list_filter(regexp_extract_all(w, $${MENTION}$$), lambda m: NOT contains(m, '/'))"
"""The word's mention matches (``@`` and the name) that are not list references."""

_COLUMNS = f"""
    CASE WHEN ascii THEN list_transform({_NOT_LISTS}, lambda m: m[2:]) END AS mentions,
    CASE WHEN ascii THEN regexp_extract_all(w, $${HASHTAG}$$, 3) END AS hashtags,
    CASE
        WHEN NOT ascii THEN NULL
        WHEN NOT contains(w, '.') THEN []
        WHEN tco IS NOT NULL THEN CASE
            WHEN list_contains($self, tco) THEN [ltrim(w, ' ')]
            WHEN list_contains($none, tco) THEN []::VARCHAR[] END
        WHEN contains(lower(w), '.xn--') THEN NULL
        WHEN regexp_matches(w, $tlds) THEN NULL
        ELSE [] END AS urls
"""


def _with_tco(source: str) -> str:
    """Each word, whether it is ASCII, and the model word of its t.co shape (else null)."""
    return (
        f"SELECT w, strlen(w) = length(w) AS ascii, CASE WHEN regexp_full_match(w, $${TCO}$$) "
        f"THEN regexp_extract(w, $${TCO}$$, 1) || repeat('a', length(regexp_extract(w, "
        f"$${TCO}$$, 2))) END AS tco FROM {source}"
    )


@cache
def tld_pattern() -> str:
    """``entities.could_hold_link`` on an ASCII word as one RE2 search: some dot is followed by
    a listed TLD that ends its run of ``[0-9A-Za-z@+-]`` (each dot starts such a run, and the run
    ends at the first character outside it, as ``_AFTER_DOT`` reads it).

    A regex alternation runs as one automaton; a list lookup per word cost 13 s on 1.9 M words.
    Case-insensitive here only folds ASCII letters, because the words are ASCII.
    """
    names = "|".join(sorted(_ascii_tlds(), key=lambda n: (-len(n), n)))
    return f"(?i)\\.(?:{names})(?:[^0-9A-Za-z@+-]|$)"


STRINGS = pa.list_(pa.string())


def read_ascii_words(con: duckdb.DuckDBPyConnection, words: pa.Array) -> pa.Table:
    """``urls``, ``mentions``, ``hashtags`` of each word, null where Python must read it.

    A null ``mentions`` (non-ASCII word) means the whole word goes to Python; a null ``urls``
    alone means its links do (it may hold one). Rows are in word order.
    """
    if not patterns_current() or len(words) == 0:
        empty = pa.nulls(len(words), STRINGS)
        return pa.table({"urls": empty, "mentions": empty, "hashtags": empty})
    con.register("_entity_words", pa.table({"w": words}))
    try:
        con.sql(f"CREATE OR REPLACE TEMP TABLE _entity_shapes AS {_with_tco('_entity_words')}")
        models = [m for (m,) in con.sql("SELECT DISTINCT tco FROM _entity_shapes").fetchall() if m]
        shapes = {m: tco_shape(m) for m in models}
        return con.sql(
            f"SELECT {_COLUMNS} FROM _entity_shapes",
            params={
                "self": [m for m, s in shapes.items() if s == "self"],
                "none": [m for m, s in shapes.items() if s == "none"],
                "tlds": tld_pattern(),
            },
        ).to_arrow_table()
    finally:
        con.unregister("_entity_words")
        con.sql("DROP TABLE IF EXISTS _entity_shapes")


def first_mentions(con: duckdb.DuckDBPyConnection, words: pa.Array) -> list[str | bool | None]:
    """Per word, its first mention that is not a list (None when it has none), or False where
    Python must read the word (not ASCII, or ttp's pattern changed). Reads the first word of
    replies: the handle a tweet opens with."""
    if not patterns_current():
        return [False] * len(words)
    con.register("_lead_words", pa.table({"w": words}))
    try:
        found = con.sql(
            f"SELECT strlen(w) = length(w) AS ascii, {_NOT_LISTS}[1][2:] AS handle FROM _lead_words"
        ).to_arrow_table()
    finally:
        con.unregister("_lead_words")
    handles = found.column("handle").to_pylist()
    return [h if a else False for a, h in zip(found["ascii"].to_pylist(), handles, strict=True)]
