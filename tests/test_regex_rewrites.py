"""Regex replacements rewritten for speed give the text the plain pattern gives, in DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tigerblood.campaigns import _TEXTS_SQL, NON_WORD_RUNS
from tigerblood.features.text import SPACE_RUNS

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
