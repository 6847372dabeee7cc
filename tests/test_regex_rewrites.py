"""Regex replacements rewritten for speed give the text the plain pattern gives, in DuckDB."""

from __future__ import annotations

import duckdb
import ibis
import ibis.expr.types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tigerblood.campaigns.clusters import _TEXTS_SQL, GREETINGS, NON_WORD_RUNS
from tigerblood.features.text import SPACE_RUNS, normalized_text

PIECES = [" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u3000", "a", "B", "é", "#", "_"]
PIECES += ["-", ".", "!?", "@x", "1", "中"]
texts = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (SPACE_RUNS, r"\s+"),  # features.text.normalized_text, evidence.repeated_texts
        (NON_WORD_RUNS, r"[^\w#]+"),  # campaigns: text normalised for near duplicates
    ],
)
@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_runs_replaced_as_the_plain_pattern_replaces_them(
    con: duckdb.DuckDBPyConnection, fast: str, plain: str, text: str
) -> None:
    got, expected = con.execute(
        "SELECT regexp_replace($t, $fast, ' ', 'g'), regexp_replace($t, $plain, ' ', 'g')",
        {"t": text, "fast": fast, "plain": plain},
    ).fetchone()
    assert got == expected


def test_campaign_texts_are_normalised_with_the_rewritten_pattern() -> None:
    assert f"'{NON_WORD_RUNS}'" in _TEXTS_SQL
    assert "NON_WORD_RUNS" not in _TEXTS_SQL


GUARD_PIECES = [*PIECES, "http://x.y/z", "HTTPS://A", "www.", "WWW.b", "@bob", "@", "RT", "rt", ":"]
guard_texts = st.lists(st.sampled_from(GUARD_PIECES), max_size=25).map("".join)


def unguarded(text: ibis.expr.types.StringValue) -> ibis.expr.types.StringValue:
    """normalized_text as it was before each removal got its substring guard."""
    return (
        text.lower()
        .re_replace(r"(https?://|www\.)[^\s]+", " ")
        .re_replace(r"@[a-z0-9_.]+", " ")
        .re_replace(r"^\s*rt\s*:?", " ")
        .re_replace(SPACE_RUNS, " ")
        .strip()
    )


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(guard_texts, min_size=1, max_size=20))
def test_guarded_text_normalisation_equals_the_unguarded_chain(batch: list[str]) -> None:
    table = ibis.memtable({"text": batch})
    got = table.select(a=normalized_text(table.text), b=unguarded(table.text)).to_pyarrow()
    assert got.column("a").to_pylist() == got.column("b").to_pylist()


PLAIN_CAMPAIGN_NORM = r"""
SELECT regexp_replace(trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           regexp_replace(regexp_replace(lower(text),
           '(?:https?://|www\.)\S+|[\w.-]+\.[a-z]{2,}/\S*', ' _link_ ', 'g'),
           '[\w.+-]+@[\w-]+(?:\.[\w-]+)+', ' _contact_ ', 'g'),
           '@[\w.-]*', ' _mention_ ', 'g'),
           '\d(?:[.,:]?\d){3,}', '_num_', 'g'), 'GREETINGS', '_hi_', 'g'),
           '[^\w#]+', ' ', 'g')), '^rt ', '') AS norm
FROM _cm_source WHERE text IS NOT NULL AND length(text) >= 1 AND created_at IS NOT NULL
ORDER BY post_id
""".replace("GREETINGS", GREETINGS)


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(guard_texts, min_size=1, max_size=20))
def test_guarded_campaign_normalisation_equals_the_plain_chain(batch: list[str]) -> None:
    with duckdb.connect() as con:
        con.execute(
            "CREATE TEMP TABLE _cm_source AS SELECT 'x' AS platform, i::VARCHAR AS post_id, "
            "'a' AS account_id, now() AS created_at, t AS text "
            "FROM (SELECT unnest($b) AS t, generate_subscripts($b, 1) AS i)",
            {"b": batch},
        )
        con.execute(_TEXTS_SQL.split(";")[0], {"min_chars": 1})
        got = con.sql("SELECT norm FROM _cm_posts_text ORDER BY post_id").fetchall()
        assert got == con.sql(PLAIN_CAMPAIGN_NORM).fetchall()
