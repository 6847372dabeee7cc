"""Entities of many posts at once: DuckDB cuts the texts into words, each word is read once.

Reading every text through the extractors in Python cost about 25 µs a post (2.8 M posts: a
minute of two cores). But links, mentions and hashtags never span a separator, and tweets repeat
their words (handles, hashtags, links of a campaign), so DuckDB's regex engine cuts the texts into
the words that hold a ``.``, ``@`` or ``#`` (in C++, on every core), each distinct word is read
once, and the results go back in word order. DuckDB reads most words itself (ASCII words, by the
libraries' own patterns: :mod:`tigerblood.ingest.entity_sql`); the extractors of
:mod:`tigerblood.ingest.entities` read the rest (possible links, non-ASCII words) in Python.
The results are what the libraries find in the whole text (property tests hold them to the
plain library calls) because:

- a link is found word by word already (see ``entities._url_words``); a word is read after one
  space, or alone when it opens the text, as :func:`entities.link_words` reads it;
- a mention (``@`` + name, optional ``/list``) starts at an at-sign and its name holds no
  separator; a list part may run across a no-break space, but it only decides that the match is a
  list, and it never holds an at-sign, so it hides no later mention; every separator, like the
  space a word is read after, is a non-word character for the ``\\B`` before the sign;
- a hashtag's tag holds no separator and its prefix only needs one character outside
  ``[0-9A-Z&/]`` before the sign, which every separator and that space are;
- the leading mention (a reply marker) is read from the first word as Python splits it.

Results go back without a join: each post's words are a slice of one flat array of words, so
taking each word's lists in that order and cutting them at the posts' word offsets gives every
post its links in text order (Arrow offsets, no per-post Python).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from functools import cache

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tigerblood import model
from tigerblood.ingest.contacts import fill_contacts
from tigerblood.ingest.entities import (
    WORD_COLUMNS,
    Entities,
    mentions_in,
    start_reading,
)
from tigerblood.ingest.entity_sql import first_mentions, read_ascii_words


def _re2_class(chars: str) -> str:
    """A character class body for RE2 (DuckDB's regex engine), one ``\\x{..}`` per character."""
    return "".join(f"\\x{{{ord(c):X}}}" for c in chars)


@cache
def _separators() -> str:
    """twitter-text's ``spaces_group`` as RE2: the characters that end a word (and a link)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twitter_text.regexp.spaces_group import spaces_group
    return _re2_class("".join(re.findall(f"[{spaces_group}]", _every_character())))


@cache
def _every_character() -> str:
    return "".join(map(chr, range(sys.maxunicode + 1)))


@cache
def _python_spaces() -> str:
    """What ``str.split()`` splits on, as RE2: it finds the first word of a reply."""
    return _re2_class("".join(c for c in _every_character() if c.isspace()))


def _word_pattern() -> str:
    sep = _separators()
    return f"[^{sep}]*[.@#\\x{{FF20}}\\x{{FF03}}][^{sep}]*"


def _leading_pattern() -> str:
    space = _python_spaces()
    return f"^[{space}]*(@[^{space}]*)"


STRINGS = pa.list_(pa.string())


def start_fill(con: duckdb.DuckDBPyConnection, posts: pa.Table) -> Callable[[], pa.Table]:
    """Start filling ``posts`` (see :func:`fill_entities`); call the result for the table.

    The words are cut now and read in worker processes when there are many, so the caller can
    load the previous batch meanwhile.
    """
    if posts.num_rows == 0:
        return lambda: posts
    posts = _with_contacts_column(posts)
    need = pc.and_(
        pc.is_valid(posts.column("text")),
        pc.or_(
            pc.or_(pc.is_null(posts.column("urls")), pc.is_null(posts.column("mentions"))),
            pc.is_null(posts.column("hashtags")),
        ),
    )
    if not pc.any(need).as_py():
        done = fill_contacts(posts)
        return lambda: done
    cut = _cut(con, pc.if_else(need, posts.column("text"), None))
    words = cut.column("words").combine_chunks()
    # One hash pass gives both the distinct words and where each word occurrence is among them.
    encoded = pc.dictionary_encode(words.flatten())
    unique = encoded.dictionary
    by_sql = read_ascii_words(con, unique)
    to_python = pc.or_kleene(pc.is_null(by_sql.column("mentions")), pc.is_null(by_sql["urls"]))
    pending = start_reading(unique.filter(to_python).to_pylist())
    # Contacts are read here, in this process, while the workers read the words.
    with_contacts = fill_contacts(posts)

    def finish() -> pa.Table:
        rows, read = _merged(by_sql, pending(), to_python.combine_chunks())
        where = pa.array(rows[encoded.indices.to_numpy(zero_copy_only=False)])
        table = with_contacts
        for name in WORD_COLUMNS:
            by_word = read[name].take(where)
            offsets = pc.take(by_word.offsets, words.offsets)
            filled = pa.ListArray.from_arrays(offsets, by_word.values, mask=pc.is_null(words))
            index = table.schema.get_field_index(name)
            table = table.set_column(
                index, table.schema.field(index), pc.coalesce(table.column(name), filled)
            )
        return _mark_replies(con, table, cut.column("lead"))

    return finish


def _with_contacts_column(posts: pa.Table) -> pa.Table:
    """``posts`` with a (null) ``contacts`` column when the caller built it without one."""
    if "contacts" in posts.column_names:
        return posts
    return posts.append_column("contacts", pa.nulls(posts.num_rows, STRINGS))


def _merged(
    by_sql: pa.Table, by_python: pa.Table, to_python: pa.BooleanArray
) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """Each column as SQL's readings followed by Python's, and for every distinct word its row
    there (Python's reading where ``to_python``, SQL's elsewhere): the caller takes the rows of
    its word occurrences once, instead of reordering the words first."""
    chosen = to_python.to_numpy(zero_copy_only=False)
    rows = np.empty(len(chosen), np.int64)
    kept = int((~chosen).sum())
    rows[~chosen] = np.arange(kept)
    rows[chosen] = kept + np.arange(len(chosen) - kept)
    keep_sql = pc.invert(to_python)
    columns = {
        name: pa.concat_arrays(
            [
                by_sql.column(name).filter(keep_sql).combine_chunks().cast(STRINGS),
                by_python.column(name).combine_chunks().cast(STRINGS),
            ]
        )
        for name in WORD_COLUMNS
    }
    return rows, columns


def fill_entities(con: duckdb.DuckDBPyConnection, posts: pa.Table) -> pa.Table:
    """``posts`` with ``urls``, ``mentions``, ``hashtags`` and ``contacts`` read from the text
    where null, and the handle a text opens with as ``reply_to_account_id`` where the post has no
    reply or repost fields (how Twitter marked replies before 2017; "RT @x" is no reply).
    Every source passes here (scan, collect, watch), so contacts are read once, for all.

    ``con`` is any DuckDB connection: only its regex engine is used.
    """
    return start_fill(con, posts)()


@cache
def _regex_engine() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB kept for the process: opening one costs about 40 ms, more than
    filling a small batch."""
    return duckdb.connect()


def enrich_posts(posts: pa.Table) -> pa.Table:
    """:func:`fill_entities` through a connection of its own (for callers without a store): a
    cursor of the process's in-memory DuckDB, so threads never share one connection."""
    with _regex_engine().cursor() as con:
        con.execute("SET enable_progress_bar = false")
        return fill_entities(con, posts)


def entities_of(texts: list[str | None]) -> list[Entities | None]:
    """Links, mentions, hashtags and leading mention of each text (None for a missing text).

    >>> entities_of(["@ann see bit.ly/x #now", None])
    [(['bit.ly/x'], ['ann'], ['now'], 'ann'), None]
    """
    table = enrich_posts(model.to_table("posts", [{"text": t} for t in texts]))
    return [
        None
        if row["text"] is None
        else (row["urls"], row["mentions"], row["hashtags"], row["reply_to_account_id"])
        for row in table.to_pylist()
    ]


def _cut(con: duckdb.DuckDBPyConnection, texts: pa.ChunkedArray) -> pa.Table:
    """Each text's words that can hold an entity (each after a space, or alone when it opens the
    text) and the first word when it opens with an at-sign, by DuckDB's regex engine."""
    con.register("_fill_texts", pa.table({"text": texts}))
    try:
        return con.sql(
            "SELECT list_transform(regexp_extract_all(text, $$" + _word_pattern() + "$$), "
            "lambda w, i: CASE WHEN i = 1 AND starts_with(text, w) THEN w ELSE ' ' || w END) "
            "AS words, CASE WHEN contains(text, '@') THEN nullif(regexp_extract(text, $$"
            + _leading_pattern()
            + "$$, 1), '') END AS lead FROM _fill_texts"
        ).to_arrow_table()
    finally:
        con.unregister("_fill_texts")


def _first(found: list[str]) -> str | None:
    return found[0] if found else None


def _mark_replies(
    con: duckdb.DuckDBPyConnection, posts: pa.Table, lead_words: pa.ChunkedArray
) -> pa.Table:
    """The leading handle as ``reply_to_account_id`` of posts with no reply or repost fields."""
    encoded = pc.dictionary_encode(lead_words.combine_chunks())
    unique = encoded.dictionary
    if len(unique) == 0:
        return posts
    by_sql = first_mentions(con, unique)
    handles = [
        _first(mentions_in(w)) if h is False else h
        for w, h in zip(unique.to_pylist(), by_sql, strict=True)
    ]
    lead = pa.array(handles, pa.string()).take(encoded.indices)
    open_post = pc.and_(
        pc.is_null(posts.column("reply_to_post_id")), pc.is_null(posts.column("repost_of_post_id"))
    )
    reply_to = posts.column("reply_to_account_id")
    chosen = pc.if_else(pc.and_(open_post, pc.is_null(reply_to)), lead, reply_to)
    index = posts.schema.get_field_index("reply_to_account_id")
    return posts.set_column(index, posts.schema.field(index), chosen)
