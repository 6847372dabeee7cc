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
from concurrent.futures import ProcessPoolExecutor
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
def shortener_domains() -> frozenset[str]:
    """Hosts of link shorteners and redirectors, from the list shipped in ``tigerblood/data``."""
    text = files("tigerblood.data").joinpath("shorteners.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


_MAYBE_URL = re.compile(r"\.\w|://")
"""Necessary for any link Twitter's rules accept (a dot before a TLD, or a scheme); checked
first because the full extractor costs ~100 µs a text."""

PARALLEL_MIN_ROWS = 50_000
"""Batches at least this large are split across processes (the extractor is pure Python)."""


def urls_in(text: str) -> list[str]:
    """Every link in ``text``, by Twitter's rules (bare domains like ``bit.ly/x`` included).

    >>> urls_in("win now http://t.co/abc and bit.ly/x")
    ['http://t.co/abc', 'bit.ly/x']
    """
    if not _MAYBE_URL.search(text):
        return []
    return list(_extract_urls()(text))


def mentions_in(text: str) -> list[str]:
    """Handles mentioned with ``@`` (list references such as ``@user/list`` are not mentions).

    >>> mentions_in("RT @alice: hi @bob")
    ['alice', 'bob']
    """
    if "@" not in text and "\uff20" not in text:
        return []
    return [m.group(1) for m in USERNAME_REGEX.finditer(text) if m.group(2) is None]


def hashtags_in(text: str) -> list[str]:
    """Hashtags without the ``#``.

    >>> hashtags_in("so #Free and #win2")
    ['Free', 'win2']
    """
    if "#" not in text and "\uff03" not in text:
        return []
    return [m.group(3) for m in HASHTAG_REGEX.finditer(text)]


def leading_mention(text: str) -> str | None:
    """The handle a tweet opens with: Twitter showed such a tweet as a reply to that handle."""
    stripped = text.lstrip()
    if not stripped.startswith("@"):
        return None
    found = mentions_in(stripped.split(None, 1)[0])
    return found[0] if found else None


Entities = tuple[list[str], list[str], list[str], str | None]


def entities_of(texts: list[str | None]) -> list[Entities | None]:
    """Links, mentions, hashtags and leading mention of each text (None for a missing text)."""
    return [
        None if t is None else (urls_in(t), mentions_in(t), hashtags_in(t), leading_mention(t))
        for t in texts
    ]


@cache
def _pool() -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")
    )


def entities_parallel(texts: list[str | None]) -> list[Entities | None]:
    """:func:`entities_of`, split across processes when the batch is large enough to pay."""
    workers = os.cpu_count() or 1
    if len(texts) < PARALLEL_MIN_ROWS or workers < 2:
        return entities_of(texts)
    size = -(-len(texts) // (workers * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    return [e for part in _pool().map(entities_of, chunks) for e in part]


def enrich_posts(posts: pa.Table) -> pa.Table:
    """Fill ``urls``, ``mentions`` and ``hashtags`` from text where the source left them null.

    Posts whose text opens with a mention and that carry no reply fields get that handle as
    ``reply_to_account_id``: before 2017 this was how Twitter itself marked a reply, and the text
    is all a research CSV keeps. Retweets ("RT @x: ...") are not replies.
    """
    if posts.num_rows == 0:
        return posts
    texts = posts.column("text").to_pylist()
    need = pc.or_(
        pc.or_(pc.is_null(posts.column("urls")), pc.is_null(posts.column("mentions"))),
        pc.is_null(posts.column("hashtags")),
    ).to_pylist()
    if not any(need):
        return posts
    urls = posts.column("urls").to_pylist()
    mentions = posts.column("mentions").to_pylist()
    hashtags = posts.column("hashtags").to_pylist()
    reply_to = posts.column("reply_to_account_id").to_pylist()
    reply_post = posts.column("reply_to_post_id").to_pylist()
    repost = posts.column("repost_of_post_id").to_pylist()
    found = entities_parallel([t if n else None for t, n in zip(texts, need, strict=True)])
    for i, entities in enumerate(found):
        if entities is None:
            continue
        if urls[i] is None:
            urls[i] = entities[0]
        if mentions[i] is None:
            mentions[i] = entities[1]
        if hashtags[i] is None:
            hashtags[i] = entities[2]
        if reply_to[i] is None and reply_post[i] is None and repost[i] is None:
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
