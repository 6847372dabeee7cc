"""The fast entity paths return exactly what the plain library calls return.

``urls_in`` feeds twitter-text only the words that can hold a link, ``mentions_in`` and
``hashtags_in`` start their search late, and ``entities_of`` cuts texts into words with DuckDB's
regex engine, reads each distinct word once (caching link words across batches, maybe in worker
processes) and puts the results back in text order. None of that may change a result, on
adversarial texts (separators of every kind, case-folding letters, full-width signs, text-start
edge cases) or on the real sample the demo runs on.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ttp.ttp import HASHTAG_REGEX, USERNAME_REGEX

from tigerblood.ingest import entities, entity_sql
from tigerblood.ingest.entities import (
    _ascii_tlds,
    could_hold_link,
    hashtags_in,
    leading_mention,
    mentions_in,
    urls_in,
    word_urls,
)
from tigerblood.ingest.entity_words import entities_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from twitter_text import extract_urls

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cresci-2015-sample" / "posts.parquet"

SEPARATORS = list(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""twitter-text's spaces_group, one of each kind, plus odd ones below that Python calls space."""

PIECES = [
    *SEPARATORS,
    "\x1c",
    "\x1f",
    *"abcXYZ019_-./:?=&()!,'$%~|[]+*;",
    "@",
    "\uff20",
    "#",
    "\uff03",
    "é",
    "ÿ",
    "Ÿ",
    "ß",
    "\u212a",
    "\u017f",
    "\u0131",
    "中",
    "д",
    "\u2013",
    "\u202a",
    "\u200e",
    "\ufeff",
    "http://",
    "https://",
    "HTTP://",
    "www.",
    "t.co/",
    "bit.ly",
    ".com",
    ".co",
    ".jp",
    ".x",
    "xn--",
    "example",
    "RT @",
    "@user",
    "#tag",
    "..",
    "...",
]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def plain_mentions(text: str) -> list[str]:
    """ttp's username pattern as the library applies it."""
    return [m.group(1) for m in USERNAME_REGEX.finditer(text) if m.group(2) is None]


def plain_hashtags(text: str) -> list[str]:
    """ttp's hashtag pattern as the library applies it."""
    return [m.group(3) for m in HASHTAG_REGEX.finditer(text)]


def plain_leading(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped.startswith("@"):
        return None
    found = plain_mentions(stripped.split(None, 1)[0])
    return found[0] if found else None


def plain(text: str) -> tuple:
    return (
        list(extract_urls(text)),
        plain_mentions(text),
        plain_hashtags(text),
        plain_leading(text),
    )


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_urls_in_equals_twitter_text_on_any_text(text: str) -> None:
    assert urls_in(text) == list(extract_urls(text))


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_mentions_and_hashtags_equal_the_ttp_patterns_on_any_text(text: str) -> None:
    assert mentions_in(text) == plain_mentions(text)
    assert hashtags_in(text) == plain_hashtags(text)
    assert leading_mention(text) == plain_leading(text)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=20))
def test_batches_with_repeats_and_a_warm_cache_equal_the_plain_calls(batch: list) -> None:
    expected = [None if t is None else plain(t) for t in batch]
    assert entities_of(batch) == expected
    assert entities_of(batch) == expected  # second time every word comes from the cache


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTP://", "hTtPs://"]),
    st.sampled_from(["t.co/", "T.CO/", "t.Co/"]),
    st.text(alphabet="abcXYZ0189", min_size=1, max_size=60),
    st.booleans(),
)
def test_tco_codes_of_one_length_read_like_the_library_reads_each(
    scheme: str, host: str, code: str, spaced: bool
) -> None:
    word = (" " if spaced else "") + scheme + host + code
    assert word_urls(word) == list(extract_urls(word))


WORD_PIECES = [
    *"abcXYZ019_-./:?=&@+#",
    "\u212a",
    "é",
    ".",
    "..",
    "http://",
    "www.",
    ".com",
    ".CoM",
    ".co",
    ".uk",
    ".xn--p1ai",
    ".XN--abc",
    ".onion",
    ".k",
    "\u212aw",
    ".shop",
    ".sh",
    "-",
    "U.S.",
    "ö",
    "Ö",
    ".vermögensberater",
    ".VERMÖGENSBERATUNG",
    ".рф",
    ".中国",
    "\u017f",
    "\u0131",
    "\u0130",
    ".co\u212a",
    "ü",
    "...",
    "più",
    "\u3002",
]
words = st.tuples(st.booleans(), st.lists(st.sampled_from(WORD_PIECES), max_size=12)).map(
    lambda spaced_parts: (" " if spaced_parts[0] else "") + "".join(spaced_parts[1])
)


@settings(max_examples=3000, deadline=None)
@given(words)
def test_words_skipped_by_the_tld_test_hold_no_link_for_twitter_text(word: str) -> None:
    if not could_hold_link(word):
        assert extract_urls(word) == []
    entities._known_words.clear()
    assert word_urls(word) == list(extract_urls(word))


@pytest.mark.parametrize("after", ["", "/x", ":80", "?q", ")", "-", "1", "@", "+", "é"])
def test_every_listed_tld_after_a_dot_goes_to_the_extractor(after: str) -> None:
    for tld in sorted(_ascii_tlds()):
        for word in (f" a.{tld}{after}", f"A.{tld.upper()}{after}"):
            if extract_urls(word):
                assert could_hold_link(word), word


@pytest.mark.parametrize(
    "text",
    [
        "éxample.com opens the text",
        " éxample.com after a space",
        "(bit.ly/x) in brackets",
        "a.b.c.d.example.com/path?q=1#frag",
        "http://t.co/" + "a" * 50,
        "x\u3000t.co/abc\x85bit.ly/y\xa0z.com",
        "#a#b ##c #_#ab #abcé#def",
        "a@b @c@d \uff20e @f/list",
    ],
)
def test_known_edge_cases_equal_the_plain_calls(text: str) -> None:
    assert entities_of([text]) == [plain(text)]


@pytest.fixture
def sample_texts() -> list[str]:
    return [t for t in pq.read_table(SAMPLE, columns=["text"]).column("text").to_pylist() if t]


def test_demo_sample_in_worker_processes_equals_the_plain_calls(
    sample_texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entities, "PARALLEL_MIN_WORDS", 1)
    monkeypatch.setattr(entities, "_known_words", {})
    assert entities_of(sample_texts) == [plain(t) for t in sample_texts]


ASCII_PIECES = [p for p in PIECES if p.isascii()] + [
    "http://t.co/Ab9",
    "https://t.co/" + "x" * 39,
    " HTTP://T.CO/" + "Z" * 41,
    "@" + "a" * 25,
    "#" + "1" * 3,
    "_",
    "&#",
    "/#x",
    "@a_b/",
    "@a/b-c",
]
ascii_texts = st.lists(st.sampled_from(ASCII_PIECES), max_size=30).map("".join)


# Each example pays one DuckDB round trip whatever its size: fewer, larger batches check as many
# texts for a third of the time (600 examples of up to 20 texts took two minutes of the suite).
@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(ascii_texts, min_size=1, max_size=60))
def test_ascii_texts_read_by_duckdb_equal_the_plain_calls(batch: list[str]) -> None:
    entities._known_words.clear()
    assert entities_of(batch) == [plain(t) for t in batch]


def test_the_translated_patterns_are_still_ttps_own() -> None:
    assert entity_sql.patterns_current()


def test_ascii_words_without_a_possible_link_never_reach_python() -> None:
    words = pa.array([" @ann:", " #tag,", " U.S.", " http://t.co/abc", "café", " bit.ly/x"])
    with duckdb.connect() as con:
        read = entity_sql.read_ascii_words(con, words)
    assert read.column("mentions").to_pylist() == [["ann"], [], [], [], None, []]
    assert read.column("hashtags").to_pylist() == [[], ["tag"], [], [], None, []]
    assert read.column("urls").to_pylist() == [[], [], [], ["http://t.co/abc"], None, None]


HOSTS = ["bit.ly", "t.co", "T.CO", "example.com", "a_b.com", "youtu.be", "1.2.3.4", "x.y"]
HOSTS += ["localhost", "xn--p1ai.ru", "a-b.co.uk", "www.x.org", "-bad-.com", "goo.gl"]
PATH_PIECES = [*"aZ09_-~!@#$%&*()+=,;:'\"?/[]|", "Ab1", "x" * 45, "(a)", "((b))", "?q=1&r=2"]
PATH_PIECES += [".", ".com", "http://", "a.co", "...", ".)", ".é", "é", "”", "\u212a", ".\u212a"]
PATH_PIECES += [".-", ".@x", "ſ", ".рф"]
BEFORE = ["", " ", " x", " a.com/", " BLOG!", " (", " #", " @", " Ahttp://", " e.g.", " più"]
BEFORE += [" “", " ü.com/", " \u212a"]
shaped_words = st.tuples(
    st.sampled_from(BEFORE),
    st.sampled_from(["http://", "https://", "HTTP://", "hTtPs://"]),
    st.sampled_from(HOSTS),
    st.lists(st.sampled_from(PATH_PIECES), max_size=8).map("".join),
).map(lambda parts: f"{parts[0]}{parts[1]}{parts[2]}/{parts[3]}")


@settings(max_examples=3000, deadline=None)
@given(shaped_words, st.booleans())
def test_links_cut_at_the_model_words_spans_equal_the_library(word: str, cold: bool) -> None:
    if cold:
        entities._known_words.clear()
        entities._known_spans.clear()
    assert word_urls(word) == list(extract_urls(word))
