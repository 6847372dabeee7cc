"""Links, mentions and hashtags read from post text when the source gives no entities.

Research CSVs and some dumps keep only the text. We reuse Twitter's own extraction rules rather
than a home-made regex: URLs through twitter-text-parser (the port of Twitter's conformance-tested
extractor), mentions and hashtags through the patterns of twitter-text-python. A cheap character
test skips the extractor on texts that cannot hold the entity, which is most of the cost saved.
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
import pyarrow.compute as pc
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

PARALLEL_MIN_TEXTS = 20_000
"""Batches with at least this many distinct texts are split across worker processes (the
extractors are pure Python, and a worker costs a few seconds to start)."""

WORD_CACHE = 300_000
"""Link words a process remembers (retweets and bots repeat links); cleared when full."""

_known_words: dict[str, list[str]] = {}


@cache
def _ascii_tlds() -> frozenset[str]:
    """twitter-text's own top-level domains (its gTLD and ccTLD lists): ASCII ones, lower case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twitter_text.regexp.valid_cctld import valid_cctld
        from twitter_text.regexp.valid_gtld import valid_gtld
    names: set[str] = set()
    for pattern in (valid_gtld.pattern, valid_cctld.pattern):
        body = pattern[pattern.index("(?:(?:") + 6 : pattern.rindex(")(?=")]
        names.update(name.lower() for name in body.split("|") if name.isascii())
    return frozenset(names)


_AFTER_DOT = re.compile(r"\.([0-9A-Za-z@+-]*)")
"""A dot and the run after it of the characters twitter-text's TLD lookahead refuses to follow."""


def could_hold_link(word: str) -> bool:
    """False only when twitter-text cannot find a link in ``word``: skips its slow pattern.

    Every link the extractor returns has a domain ending in a dot and a TLD from its lists (or
    ``xn--`` punycode), and a listed TLD must be followed by a character outside
    ``[0-9a-zA-Z@+-]`` or by the end. In an ASCII word, every TLD character is inside that set, so
    the TLD is the whole run of such characters after its dot: a word none of whose dot-runs is a
    listed TLD, and without ``.xn--``, holds no link. Words with any non-ASCII character (IDN
    TLDs, case-folding letters like the Kelvin sign) always go to the extractor.

    >>> could_hold_link(" U.S."), could_hold_link(" bit.ly/x"), could_hold_link("...")
    (False, True, False)
    """
    if not word.isascii():
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
    """
    found = _known_words.get(word)
    if found is not None:
        return found
    if len(_known_words) > WORD_CACHE:
        _known_words.clear()
    tco = _TCO_WORD.fullmatch(word)
    if tco is None:
        found = list(_extract_urls()(word)) if could_hold_link(word) else []
    else:
        prefix, code = tco.groups()
        model = prefix + "a" * len(code)
        if model not in _known_words:
            _known_words[model] = list(_extract_urls()(model))
        shape = _known_words[model]
        if shape == [model.lstrip(" ")]:
            found = [word.lstrip(" ")]
        elif not shape:
            found = []
        else:
            found = list(_extract_urls()(word))
    _known_words[word] = found
    return found


def _urls_cached(text: str) -> list[str]:
    """:func:`urls_in` through :func:`word_urls`."""
    return [url for word in link_words(text) for url in word_urls(word)]


def distinct_entities(texts: list[str]) -> list[Entities]:
    """Links, mentions, hashtags and leading mention of each text (what workers run)."""
    return [(_urls_cached(t), mentions_in(t), hashtags_in(t), leading_mention(t)) for t in texts]


@cache
def _pool() -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")
    )


Pending = Callable[[], list[Entities | None]]
"""A batch being read, possibly in worker processes: call it for the results."""


def start_entities(texts: list[str | None]) -> Pending:
    """Start reading the entities of ``texts``; each distinct text is read once.

    Large batches go to worker processes, so the caller can load the previous batch meanwhile.
    """
    distinct = [t for t in dict.fromkeys(texts) if t is not None]
    workers = os.cpu_count() or 1
    chunks = [distinct]
    futures = None
    if len(distinct) >= PARALLEL_MIN_TEXTS and workers >= 2:
        size = -(-len(distinct) // (workers * 2))
        chunks = [distinct[i : i + size] for i in range(0, len(distinct), size)]
        futures = _submit(chunks)
    found = distinct_entities(distinct) if futures is None else None

    def result() -> list[Entities | None]:
        parts = found if futures is None else _gather(chunks, futures)
        by_text = dict(zip(distinct, parts, strict=True))
        return [None if t is None else by_text[t] for t in texts]

    return result


def _submit(chunks: list[list[str]]) -> list[Future] | None:
    """The chunks sent to the worker pool, or None when the pool cannot start (see below)."""
    try:
        return [_pool().submit(distinct_entities, chunk) for chunk in chunks]
    except BrokenProcessPool:
        _pool_broke()
        return None


def _gather(chunks: list[list[str]], futures: list[Future]) -> list[Entities]:
    """The workers' results in order; a chunk whose worker died is read here instead.

    Workers are spawned, so they import the caller's main module; a script that calls
    :func:`ingest` at module level without an ``if __name__ == "__main__":`` guard (or code fed
    on standard input) kills them at start. The reading then continues in this process: slower,
    never wrong, and never a crash.
    """
    parts: list[Entities] = []
    for chunk, future in zip(chunks, futures, strict=True):
        try:
            parts.extend(future.result())
        except BrokenProcessPool:
            _pool_broke()
            parts.extend(distinct_entities(chunk))
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


def entities_of(texts: list[str | None]) -> list[Entities | None]:
    """Links, mentions, hashtags and leading mention of each text (None for a missing text)."""
    return start_entities(texts)()


def entities_parallel(texts: list[str | None]) -> list[Entities | None]:
    """Kept for callers: :func:`start_entities` decides itself when to use worker processes."""
    return entities_of(texts)


def enrich_posts(posts: pa.Table) -> pa.Table:
    """Fill ``urls``, ``mentions`` and ``hashtags`` from text where the source left them null.

    Posts whose text opens with a mention and that carry no reply fields get that handle as
    ``reply_to_account_id``: before 2017 this was how Twitter itself marked a reply, and the text
    is all a research CSV keeps. Retweets ("RT @x: ...") are not replies.
    """
    return start_enrich(posts)()


def start_enrich(posts: pa.Table) -> Callable[[], pa.Table]:
    """:func:`enrich_posts` in two steps: start the reading now, get the table by calling."""
    if posts.num_rows == 0:
        return lambda: posts
    need = pc.or_(
        pc.or_(pc.is_null(posts.column("urls")), pc.is_null(posts.column("mentions"))),
        pc.is_null(posts.column("hashtags")),
    )
    if not pc.any(need).as_py():
        return lambda: posts
    texts = pc.if_else(need, posts.column("text"), None).to_pylist()
    pending = start_entities(texts)
    return lambda: _fill(posts, pending())


def _fill(posts: pa.Table, found: list[Entities | None]) -> pa.Table:
    """Put what was read into the null entity columns (and the leading-mention reply)."""
    urls = posts.column("urls").to_pylist()
    mentions = posts.column("mentions").to_pylist()
    hashtags = posts.column("hashtags").to_pylist()
    reply_to = posts.column("reply_to_account_id").to_pylist()
    unanswered = pc.and_kleene(
        pc.is_null(posts.column("reply_to_post_id")), pc.is_null(posts.column("repost_of_post_id"))
    ).to_pylist()
    for i, entities in enumerate(found):
        if entities is None:
            continue
        if urls[i] is None:
            urls[i] = entities[0]
        if mentions[i] is None:
            mentions[i] = entities[1]
        if hashtags[i] is None:
            hashtags[i] = entities[2]
        if reply_to[i] is None and unanswered[i]:
            reply_to[i] = entities[3]
    table = posts
    for name, values in (
        ("urls", urls),
        ("mentions", mentions),
        ("hashtags", hashtags),
        ("reply_to_account_id", reply_to),
    ):
        index = table.schema.get_field_index(name)
        column = table.schema.field(index)
        table = table.set_column(index, column, pa.array(values, column.type))
    return table
