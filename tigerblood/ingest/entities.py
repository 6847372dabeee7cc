"""Links, mentions and hashtags read from post text when the source gives no entities.

Research CSVs and some dumps keep only the text. We reuse Twitter's own extraction rules rather
than a home-made regex: URLs through twitter-text-parser (the port of Twitter's conformance-tested
extractor), mentions and hashtags through the patterns of twitter-text-python. Cheap tests skip
the extractors where they cannot find anything, which is most of the cost saved. This module
reads one text or one word; :mod:`tigerblood.ingest.entity_words` reads whole tables of posts.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from importlib.resources import files

import pyarrow as pa
from ttp.ttp import HASHTAG_REGEX, USERNAME_REGEX


@cache
def _extract_urls() -> Callable[[str], list[str]]:
    """twitter_text's extractor, imported on first use: it compiles its emoji tables (~1 s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources deprecation notice inside twitter_text
        from twitter_text import extract_urls
    return extract_urls


@cache
def _url_words() -> re.Pattern[str]:
    """Words of a text that can hold a link: (separator before the word or "", the word).

    A word is a run of characters outside twitter-text's own ``spaces_group``. Those characters
    are excluded from every part of its URL pattern (domain, port, path, query), so a link never
    spans two words, and its domain needs a dot followed by a TLD inside the word. The pattern's
    only context outside the link is the one preceding character and a one-character lookahead
    after the TLD, which every separator satisfies like the end of the text. Any separator is
    read alike as the preceding character (allowed before a link, and not one of the characters
    ``-_./`` that disqualify a bare domain), so the links of a text are the links of each word
    read after one space, or alone when the word opens the text: see :func:`urls_in`.

    The match must start at a separator or at the start (a regex tried from every character of
    every word costs more than the extraction it saves). A word qualifies when its first dot is
    followed by a character of the word, which is the case exactly when some dot is.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twitter_text.regexp.spaces_group import spaces_group
    return re.compile(f"([{spaces_group}]|^)([^{spaces_group}.]*\\.[^{spaces_group}]+)")


@cache
def shortener_domains() -> frozenset[str]:
    """Hosts of link shorteners and redirectors, from the list shipped in ``tigerblood/data``."""
    text = files("tigerblood.data").joinpath("shorteners.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def link_words(text: str) -> list[str]:
    """What the URL extractor needs of ``text``: each word with a dot inside, after one space
    (or alone when it opens the text); empty when no link is possible (see :func:`_url_words`).

    >>> link_words("so cool. see bit.ly/x now")
    [' bit.ly/x']
    >>> link_words("t.co/a and (x.org)")
    ['t.co/a', ' (x.org)']
    """
    return [(" " if sep else "") + word for sep, word in _url_words().findall(text)]


def urls_in(text: str) -> list[str]:
    """Every link in ``text``, by Twitter's rules (bare domains like ``bit.ly/x`` included).

    Equal to ``twitter_text.extract_urls(text)``, run on the words that can hold a link.

    >>> urls_in("win now http://t.co/abc and bit.ly/x")
    ['http://t.co/abc', 'bit.ly/x']
    """
    extract = _extract_urls()
    return [url for word in link_words(text) for url in extract(word)]


def _first(text: str, marks: tuple[str, str]) -> int:
    """Index of the first of either mark in ``text``, -1 when neither occurs."""
    ascii_at = text.find(marks[0])
    wide = text.find(marks[1], 0, ascii_at) if ascii_at >= 0 else text.find(marks[1])
    return wide if wide >= 0 else ascii_at


def mentions_in(text: str) -> list[str]:
    """Handles mentioned with ``@`` (list references such as ``@user/list`` are not mentions).

    The search starts at the first at-sign: no match can start before it, and ``\\B`` still
    sees the character before the start position (``pos`` is not slicing).

    >>> mentions_in("RT @alice: hi @bob")
    ['alice', 'bob']
    """
    start = _first(text, ("@", "\uff20"))
    if start < 0:
        return []
    return [name for name, listed in USERNAME_REGEX.findall(text, start) if not listed]


def hashtags_in(text: str) -> list[str]:
    """Hashtags without the ``#``.

    The search starts one character before the first hash sign. A match is a run of prefix
    characters, the sign and the tag; from anywhere in the run before the first sign the greedy
    prefix backtracks to the same sign, and ``^`` still matches only at the real start.

    >>> hashtags_in("so #Free and #win2")
    ['Free', 'win2']
    """
    start = _first(text, ("#", "\uff03"))
    if start < 0:
        return []
    return [tag for _, _, tag in HASHTAG_REGEX.findall(text, max(start - 1, 0))]


def leading_mention(text: str) -> str | None:
    """The handle a tweet opens with: Twitter showed such a tweet as a reply to that handle."""
    stripped = text.lstrip()
    if not stripped.startswith("@"):
        return None
    found = mentions_in(stripped.split(None, 1)[0])
    return found[0] if found else None


Entities = tuple[list[str], list[str], list[str], str | None]

WORD_CACHE = 300_000
"""Link words a process remembers (retweets and bots repeat links); cleared when full."""

_known_words: dict[str, list[str]] = {}


@cache
def _listed_tlds() -> frozenset[str]:
    """twitter-text's own top-level domains (its gTLD and ccTLD lists), lower case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twitter_text.regexp.valid_cctld import valid_cctld
        from twitter_text.regexp.valid_gtld import valid_gtld
    names: set[str] = set()
    for pattern in (valid_gtld.pattern, valid_cctld.pattern):
        body = pattern[pattern.index("(?:(?:") + 6 : pattern.rindex(")(?=")]
        names.update(name.lower() for name in body.split("|"))
    return frozenset(names)


@cache
def _ascii_tlds() -> frozenset[str]:
    """The listed TLDs written in ASCII."""
    return frozenset(name for name in _listed_tlds() if name.isascii())


@cache
def _mixed_tlds() -> tuple[str, ...]:
    """Listed TLDs that open with an ASCII character but hold others (``vermögensberater``)."""
    return tuple(sorted(n for n in _listed_tlds() if n[0].isascii() and not n.isascii()))


_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
"""The four letters Python's case-insensitive matching takes for ASCII ones (dotted and dotless
i, long s, Kelvin sign): in a TLD they would pass for ``i``, ``s`` or ``k``."""

_DOT_THEN_WIDE = re.compile("\\.[^\\x00-\\x7f]")
"""A dot followed by a non-ASCII character: where an IDN TLD may start."""


_AFTER_DOT = re.compile(r"\.([0-9A-Za-z@+-]*)")
"""A dot and the run after it of the characters twitter-text's TLD lookahead refuses to follow."""


def could_hold_link(word: str) -> bool:
    """False only when twitter-text cannot find a link in ``word``: skips its slow pattern.

    Every link the extractor returns has a domain ending in a dot and a TLD from its lists (or
    ``xn--`` punycode), and a listed TLD must be followed by a character outside
    ``[0-9a-zA-Z@+-]`` or by the end. In an ASCII word, every TLD character is inside that set, so
    the TLD is the whole run of such characters after its dot: a word none of whose dot-runs is a
    listed TLD, and without ``.xn--``, holds no link.

    A word with other characters is read the same way unless a TLD could hide in them: a dot
    followed by a non-ASCII character (an IDN TLD), one of the few listed TLDs that start in
    ASCII and go on in other letters, or a letter that case-insensitive matching takes for an
    ASCII one. Otherwise the TLD's characters are ASCII, so the run after its dot is still the
    TLD itself ("più...Sei" holds no link; "ü.com" may).

    >>> could_hold_link(" U.S."), could_hold_link(" bit.ly/x"), could_hold_link("...")
    (False, True, False)
    >>> could_hold_link(" più...Sei"), could_hold_link(" ü.com"), could_hold_link(" a.рф")
    (False, True, True)
    """
    if not word.isascii():
        if _FOLDS_TO_ASCII.search(word) or _DOT_THEN_WIDE.search(word):
            return True
        lowered = word.lower()
        if any("." + tld in lowered for tld in _mixed_tlds()):
            return True
    if ".xn--" in word.lower():
        return True
    tlds = _ascii_tlds()
    return any(run.lower() in tlds for run in _AFTER_DOT.findall(word))


_TCO_WORD = re.compile(r"( ?[Hh][Tt][Tt][Pp][Ss]?://[Tt]\.[Cc][Oo]/)([A-Za-z0-9]+)")
"""A whole link word that is a t.co link: prefix as written, then an ASCII letters-and-digits
code (no IGNORECASE: it would let the Kelvin sign and long s in)."""


def word_urls(word: str) -> list[str]:
    """The extractor on one of :func:`link_words`, each distinct word once per process.

    Most Twitter links are ``t.co`` codes, all different and each ~40 µs to extract. In every
    character class twitter-text tests a t.co code against (path, path ending, t.co code), ASCII
    letters and digits are alike, so the extractor treats two codes of the same length the
    same way. The extractor is asked about one code per (prefix, length), made of ``a``; when it
    returns that word as the link, the word's link is the word itself, when it returns nothing
    (a code over 40 characters) there is none, and anything else falls back to the word.
    A code itself is not remembered: each tweet has its own, and remembering them would only
    push out the words that do repeat.
    """
    found = _known_words.get(word)
    if found is not None:
        return found
    if len(_known_words) > WORD_CACHE:
        _known_words.clear()
    tco = _TCO_WORD.fullmatch(word)
    if tco is None:
        shaped = _shaped_urls(word)
        if shaped is not None:
            return shaped
        found = list(_extract_urls()(word)) if could_hold_link(word) else []
        _known_words[word] = found
        return found
    prefix, code = tco.groups()
    shape = tco_shape(prefix + "a" * len(code))
    if shape == "self":
        return [word.lstrip(" ")]
    if shape == "none":
        return []
    return list(_extract_urls()(word))


_LINK_THEN_PATH = re.compile(r"(.*?[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+/)(.*)", re.DOTALL)
"""A word holding ``scheme://host/`` (anything may come before it): up to and including that
slash, then the rest."""

_DOT_OPENS = re.compile(r"\.(?![!-/:-@\[-`{-~]|$)")
"""A dot followed by something other than ASCII punctuation: where a TLD could start."""

_ALNUM = re.compile(r"[A-Za-z0-9]")

_known_spans: dict[str, list[tuple[int, int]] | None] = {}


def _shaped_urls(word: str) -> list[str] | None:
    """The links of ``word`` read from its shape, or None when its shape cannot say.

    The t.co argument of :func:`word_urls`, widened: after a host's slash, every character class
    twitter-text tests a character against (path, path ending, balanced parentheses, query,
    query ending, t.co code) holds all ASCII letters and digits or none, and only lengths are
    measured (t.co code, URL length). No link can start after the slash when no dot there is
    followed by anything but punctuation (every domain ends in a dot and a TLD, and every TLD
    starts with a letter), and the host and all before it are kept as written, as are all other
    characters. So the word with each ASCII letter and digit after the slash made ``a`` has its
    links at the same places: the extractor reads that model once, and the word's links are cut
    at the model's spans.
    """
    found = _LINK_THEN_PATH.fullmatch(word)
    if found is None or _DOT_OPENS.search(found.group(2)):
        return None
    model = found.group(1) + _ALNUM.sub("a", found.group(2))
    if model not in _known_spans:
        if len(_known_spans) > WORD_CACHE:
            _known_spans.clear()
        hits = _extract_with_indices()(model)
        spans = [(hit["indices"][0], hit["indices"][1]) for hit in hits]
        # A link without protocol whose host repeats later in it is rewritten, not cut from
        # the text: such a model says nothing about its words.
        cut = all(model[a:b] == hit["url"] for (a, b), hit in zip(spans, hits, strict=True))
        _known_spans[model] = spans if cut else None
    known = _known_spans[model]
    return None if known is None else [word[start:end] for start, end in known]


@cache
def _extract_with_indices() -> Callable[[str], list[dict]]:
    """twitter_text's extractor with each link's place (see :func:`_extract_urls`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twitter_text.extract_urls import extract_urls_with_indices
    return extract_urls_with_indices


def tco_shape(model: str) -> str:
    """What twitter-text finds in the t.co model word ``model`` (prefix, then the code's length
    in ``a``), for every code of that length: ``"self"`` (the word is the link), ``"none"``, or
    ``"other"`` (read each word). Remembered like the words themselves.

    >>> tco_shape(" http://t.co/aaaaaaaaaa"), tco_shape("http://t.co/" + "a" * 41)
    ('self', 'none')
    """
    if model not in _known_words:
        _known_words[model] = list(_extract_urls()(model))
    found = _known_words[model]
    if found == [model.lstrip(" ")]:
        return "self"
    return "other" if found else "none"


def _urls_cached(text: str) -> list[str]:
    """:func:`urls_in` through :func:`word_urls`."""
    return [url for word in link_words(text) for url in word_urls(word)]


WordEntities = tuple[list[str], list[str], list[str]]


def read_word(word: str) -> WordEntities:
    """Links, mentions and hashtags of one word, read after a space or alone at the text start
    (see :mod:`tigerblood.ingest.entity_words` for why a text is the sum of its words)."""
    return (
        _urls_cached(word) if "." in word else [],
        mentions_in(word) if "@" in word or "\uff20" in word else [],
        hashtags_in(word) if "#" in word or "\uff03" in word else [],
    )


WORD_COLUMNS = ("urls", "mentions", "hashtags")


def read_words(words: list[str]) -> pa.Table:
    """:func:`read_word` of each word as three list columns (what workers run and send back:
    Arrow buffers cost far less to pass between processes than nested Python lists)."""
    found = [read_word(w) for w in words]
    strings = pa.list_(pa.string())
    return pa.table(
        {name: pa.array([f[i] for f in found], strings) for i, name in enumerate(WORD_COLUMNS)}
    )


@cache
def _pool() -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")
    )


PARALLEL_MIN_WORDS = 10_000
"""Batches with at least this many distinct words are read in worker processes (the extractors
are pure Python, and a worker costs a second or two to start). Only words DuckDB cannot read
come here (:mod:`entity_sql`), mostly possible links at ~65 µs each: 10k words are ~0.7 s of
work, and on Cresci-2015 (35k such words per group of posts) workers took ingest from 32 s to
27 s."""


def start_reading(words: list[str]) -> Callable[[], pa.Table]:
    """Start :func:`read_words` on ``words``; call the result for the table, in word order.

    Large batches go to worker processes, so the caller can load the previous batch meanwhile.
    """
    workers = os.cpu_count() or 1
    futures = None
    chunks = [words]
    if len(words) >= PARALLEL_MIN_WORDS and workers >= 2:
        size = -(-len(words) // (workers * 2))
        chunks = [words[i : i + size] for i in range(0, len(words), size)]
        futures = _submit(chunks)
    if futures is None:
        found = read_words(words)
        return lambda: found
    return lambda: pa.concat_tables(_gather(chunks, futures))


def _submit(chunks: list[list[str]]) -> list[Future] | None:
    """The chunks sent to the worker pool, or None when the pool cannot start (see below)."""
    try:
        return [_pool().submit(read_words, chunk) for chunk in chunks]
    except BrokenProcessPool:
        _pool_broke()
        return None


def _gather(chunks: list[list[str]], futures: list[Future]) -> list[pa.Table]:
    """The workers' results in order; a chunk whose worker died is read here instead.

    Workers are spawned, so they import the caller's main module; a script that calls
    :func:`ingest` at module level without an ``if __name__ == "__main__":`` guard (or code fed
    on standard input) kills them at start. The reading then continues in this process: slower,
    never wrong, and never a crash.
    """
    parts: list[pa.Table] = []
    for chunk, future in zip(chunks, futures, strict=True):
        try:
            parts.append(future.result())
        except BrokenProcessPool:
            _pool_broke()
            parts.append(read_words(chunk))
    return parts


def _pool_broke() -> None:
    if _pool.cache_info().currsize:
        warnings.warn(
            "entity extraction: worker processes could not run (a script without an "
            "'if __name__ == \"__main__\":' guard?); reading in this process instead",
            RuntimeWarning,
            stacklevel=3,
        )
    _pool.cache_clear()
