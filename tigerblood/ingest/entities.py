"""Links, mentions and hashtags read from post text when the source gives no entities.

Research CSVs and some dumps keep only the text. We reuse Twitter's own extraction rules rather
than a home-made regex: URLs through twitter-text-parser (the port of Twitter's conformance-tested
extractor), mentions and hashtags through the patterns of twitter-text-python. A cheap character
test skips the extractor on texts that cannot hold the entity, which is most of the cost saved.
"""

from __future__ import annotations

import warnings
from functools import cache
from importlib.resources import files

import pyarrow as pa
import pyarrow.compute as pc

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pkg_resources deprecation notice inside twitter_text
    from twitter_text import extract_urls
from ttp.ttp import HASHTAG_REGEX, USERNAME_REGEX


@cache
def shortener_domains() -> frozenset[str]:
    """Hosts of link shorteners and redirectors, from the list shipped in ``tigerblood/data``."""
    text = files("tigerblood.data").joinpath("shorteners.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def urls_in(text: str) -> list[str]:
    """Every link in ``text``, by Twitter's rules (bare domains like ``bit.ly/x`` included).

    >>> urls_in("win now http://t.co/abc and bit.ly/x")
    ['http://t.co/abc', 'bit.ly/x']
    """
    if "." not in text:
        return []
    return list(extract_urls(text))


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
    for i, text in enumerate(texts):
        if not need[i] or text is None:
            continue
        if urls[i] is None:
            urls[i] = urls_in(text)
        if mentions[i] is None:
            mentions[i] = mentions_in(text)
        if hashtags[i] is None:
            hashtags[i] = hashtags_in(text)
        if reply_to[i] is None and reply_post[i] is None and repost[i] is None:
            reply_to[i] = leading_mention(text)
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
