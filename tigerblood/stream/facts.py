"""Per-post facts for the stream, computed by the batch features' own expressions.

The stream must give the same feature values as the batch path (DESIGN §3.6), so it does not
re-implement text and link normalisation: each micro-batch of posts goes through the very Ibis
expressions of :mod:`tigerblood.features` (``normalized_text``, ``normalized_url``, ``url_host``,
``is_reply``, ``has_items``) on an embedded DuckDB, and the stream's aggregates only count the
resulting facts; a regex written twice would drift. The expressions are compiled to SQL once,
over named tables that each micro-batch fills: compiling them anew per batch cost 0.13 s of Ibis
work a batch, more than running them.

The post's own columns are one projection, row for row; its links are read once per distinct
link and remembered (a shortener or a campaign's link comes back all day), and the post takes
its links' facts from that map. Grouping the unnested links back per post in SQL (a join, a
window, a sort each micro-batch) cost more than all the rest of the query.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import duckdb
import ibis
import pyarrow as pa

from tigerblood import model
from tigerblood.features.base import has_items, is_reply, normalized_url, url_host
from tigerblood.features.links import PLATFORM_WRAPPERS
from tigerblood.features.text import addresses_someone, normalized_text
from tigerblood.ingest.entities import shortener_domains


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What the features read of one post: nothing else of it is kept in the window."""

    platform: str
    account_id: str
    post_id: str
    created_s: float | None
    """``created_at`` as Unix seconds (None when the post has no time)."""
    is_reply: bool
    reply_target: str | None
    urls: tuple[str, ...]
    """Distinct normalised links of the post."""
    link_count: int
    """Links of the post, counted as the batch counts them (each listed link, repeats included)."""
    shortened_links: int
    norm_text: str
    has_mention: bool
    has_hashtag: bool
    contacts: tuple[str, ...] = ()
    """Distinct contacts the post names (stored normalised at ingest, compared as they are).
    Last, with a default, so checkpoints written before it still load."""

    def to_json(self) -> list:
        """A compact list for checkpoints."""
        return [getattr(self, name) for name in self.__slots__]

    @classmethod
    def from_json(cls, values: list) -> PostFacts:
        """Inverse of :meth:`to_json`."""
        values = list(values)
        values[6] = tuple(values[6])
        if len(values) > 12:
            values[12] = tuple(values[12])
        return cls(*values)

    @property
    def items(self) -> tuple[str, ...]:
        """What the post promotes, each once: its links, then its contacts (as the batch
        ``url_stats`` counts posts per item; a ``mailto:`` link may equal its contact)."""
        return tuple(dict.fromkeys(self.urls + self.contacts)) if self.contacts else self.urls


BATCH_TABLE = "stream_posts"
"""The name the compiled SQL reads each micro-batch of posts from."""

LINKS_TABLE = "stream_links"
"""The name the compiled SQL reads a micro-batch's links never seen before from."""

MAX_LINKS_KNOWN = 200_000
"""Links whose facts are remembered (oldest half forgotten past it): a campaign's link, a news
site, a shortener come back all day, and each is read once."""


@cache
def _connection() -> duckdb.DuckDBPyConnection:
    # One thread: a micro-batch is a few hundred rows, and on the two cores the feed shares
    # with its own decoding, more threads only add scheduling (measured: 25% more CPU).
    con = duckdb.connect()
    con.execute("SET threads = 1")
    return con


@cache
def _facts_sql(schema: pa.Schema) -> str:
    """The per-post facts for posts of ``schema``, compiled once from the batch expressions:
    a projection, row for row (the links are read apart, :func:`_links_sql`)."""
    table = ibis.table(ibis.Schema.from_pyarrow(schema), name=BATCH_TABLE)
    facts = table.select(
        created_s=table.created_at.epoch_seconds().cast("float64"),
        reply=is_reply(table),
        link_count=table.urls.length().fill_null(0),
        norm=normalized_text(table.text.fill_null("")),
        mention=addresses_someone(table),
        hashtag=has_items(table.hashtags),
    )
    return str(ibis.to_sql(facts, dialect="duckdb"))


@cache
def _links_sql() -> str:
    """Each link's normalised form and whether it goes through a shortener, by the batch
    link features' expressions, compiled once."""
    table = ibis.table({"raw": "string"}, name=LINKS_TABLE)
    shorteners = sorted(shortener_domains() - PLATFORM_WRAPPERS)
    facts = table.select(
        "raw",
        url=normalized_url(table.raw),
        short=url_host(table.raw).isin(shorteners).cast("int64").fill_null(0),
    )
    return str(ibis.to_sql(facts, dialect="duckdb"))


_links: dict[str, tuple[str | None, int]] = {}
"""Link -> (normalised link, 1 if shortened): every link is read by the SQL once."""


def _link_facts(links: set[str]) -> dict[str, tuple[str | None, int]]:
    """The facts of every link in ``links``, reading only those never seen before."""
    known = _links
    new = [link for link in links if link not in known]
    if new:
        con = _connection()
        con.register(LINKS_TABLE, pa.table({"raw": pa.array(new, pa.string())}))
        try:
            out = con.execute(_links_sql()).fetchall()
        finally:
            con.unregister(LINKS_TABLE)
        if len(known) + len(new) > MAX_LINKS_KNOWN:
            for link in list(itertools.islice(known, len(known) // 2)):
                del known[link]
        known.update((raw, (url, short)) for raw, url, short in out)
    return known


def warm_facts() -> None:
    """Compile the per-post SQL for the posts model table now (see ``StreamEngine.warm_up``)."""
    _facts_sql(model.SCHEMAS["posts"].empty_table().select(_NEEDED).schema)
    _links_sql()


def post_facts(posts: pa.Table) -> list[PostFacts]:
    """Facts of every post of a ``posts`` model table, in its row order.

    Each post's own columns go through one projection; its links are looked up per distinct
    link (:func:`_link_facts`). A post's normalised links are its distinct ones, sorted; its
    shortened count counts every listed link, repeats included, as the batch counts them."""
    if posts.num_rows == 0:
        return []
    batch = posts.select(_NEEDED)
    con = _connection()
    con.register(BATCH_TABLE, batch)
    # execute() and rows, not sql() and Arrow: the relation API costs 5 ms more a query,
    # whatever its size, and the rows go to Python objects anyway.
    try:
        out = con.execute(_facts_sql(batch.schema)).fetchall()
    finally:
        con.unregister(BATCH_TABLE)
    own = batch.select(
        ["platform", "account_id", "post_id", "reply_to_account_id", "urls", "contacts"]
    ).to_pydict()
    lists = own["urls"]
    links = _link_facts({u for urls in lists if urls for u in urls if u is not None})
    facts = []
    columns = zip(
        own["platform"],
        own["account_id"],
        own["post_id"],
        own["reply_to_account_id"],
        lists,
        own["contacts"],
        out,
        strict=True,
    )
    for platform, account_id, post_id, target, urls, contacts, row in columns:
        at, reply, count, norm, mention, tag = row
        if urls:
            read = [links[u] for u in urls if u is not None]
            normal = tuple(sorted({n for n, _ in read if n is not None}))
            shortened = sum(short for _, short in read)
        else:
            normal, shortened = (), 0
        facts.append(
            PostFacts(
                platform,
                account_id,
                post_id,
                at,
                bool(reply),
                target,
                normal,
                int(count),
                shortened,
                norm,
                bool(mention),
                bool(tag),
                tuple(sorted(set(contacts))) if contacts else (),
            )
        )
    return facts


_NEEDED = [
    "platform",
    "account_id",
    "post_id",
    "created_at",
    "text",
    "reply_to_post_id",
    "reply_to_account_id",
    "urls",
    "mentions",
    "hashtags",
    "contacts",
]
