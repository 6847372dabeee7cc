"""Post windows: each labelled account seen again through only its latest posts.

A model trained on whole timelines learns what a whole timeline looks like. But an audit fetches
a follower's profile and a handful of recent posts, a live stream sees a few hours, and research
sets crawl anything from 20 to 3,200 tweets per account. Measured on Cresci-2015 (session 3,
docs/evaluation.md), the model trained on whole timelines flagged 2.3% of genuine accounts with
all their posts, 6.8% with their latest 5 and 14.2% with their latest 2: with few posts a share
is coarse (one reply out of two is a 50% reply share) and the timing features are unknown, and
the model had only ever seen unknown timing on fakes.

So training sees every account at several sample sizes: its latest k posts for each k in
:data:`WINDOWS`, and all of them. The views of one account stay on one side of every split and
together weigh as one account (``groups`` in :meth:`tigerblood.learn.model.LearnedModel.fit`).
Latest posts, not a random sample, because that is what collectors fetch.

Each view is also seen once more **without the profile's counts** (followers, following, posts
declared): a Bluesky Jetstream feed or capture carries no counts at all, and a model that has
only seen counts treats their absence as it learned to treat nothing else. Measured on
Cresci-2015 with the model trained on windows with counts (in sample): with the counts removed,
21% of genuine accounts seen through one post were flagged (0.7% with counts).

Example::

    posts = latest_posts(tables.posts, 10)     # an Ibis table: each account's 10 latest posts
    with seen_through(store, 10, counts=False):
        features = compute_features(store, keep=False)   # the same view, one compiled query
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import ibis
import ibis.expr.types as ir

from tigerblood.features.base import KEYS, ModelTables
from tigerblood.store import Store

PROFILE_ONLY = 0
"""The window of no posts: the account as an audit sees a follower, and as the profile-only
research sets (cresci-stock-2018, InstaFake) give every account. Seen this way too, an account
of a source with posts teaches the model what a profile alone says, and "no posts in the data"
stops meaning "fake" (in Cresci-2015, 149 of the 153 accounts without posts were fakes)."""

WINDOWS: tuple[float, ...] = (PROFILE_ONLY, 1, 3, 10, 30, 100, math.inf)
"""Latest posts kept per account; ``inf`` is every post. Roughly a factor of three apart, from
none (the profile alone) and a single post (a reply seen in a thread) to a few pages of a
timeline."""

ALL_POSTS = math.inf

COUNT_VIEWS: tuple[bool, ...] = (True, False)
"""Each window with the profile counts as the source gave them, and with them hidden."""


def window_name(window: float, counts: bool = True) -> str:
    """How a view reads in reports.

    >>> window_name(3), window_name(math.inf), window_name(1, counts=False), window_name(0)
    ('latest 3', 'all posts', 'latest 1, no profile counts', 'profile only')
    """
    if window == PROFILE_ONLY:
        return "profile only" if counts else "nothing"
    name = "all posts" if math.isinf(window) else f"latest {int(window)}"
    return name if counts else f"{name}, no profile counts"


def latest_posts(posts: ir.Table, window: float) -> ir.Table:
    """Each account's ``window`` most recent posts (all of them for ``inf``).

    Ties in time go to the larger post id, so the same posts are kept on every run and engine.
    """
    if math.isinf(window):
        return posts
    rank = ibis.row_number().over(
        group_by=[posts[k] for k in KEYS],
        order_by=[ibis.desc(posts.created_at), ibis.desc(posts.post_id)],
    )
    return posts.mutate(_rank=rank).filter(ibis._._rank < int(window)).drop("_rank")


def windowed(tables: ModelTables, window: float, counts: bool = True) -> ModelTables:
    """The model tables with posts cut to ``window`` and, unless ``counts``, the profiles'
    counts hidden (as a source that gives none); follows unchanged."""
    accounts = tables.accounts
    if not counts:
        accounts = accounts.mutate(
            followers_count=ibis.null("int64"),
            following_count=ibis.null("int64"),
            posts_count=ibis.null("int64"),
        )
    return ModelTables(accounts, latest_posts(tables.posts, window), tables.follows)


@contextmanager
def seen_through(store: Store, window: float, counts: bool = True) -> Iterator[None]:
    """Inside the block, the store's ``posts`` and ``accounts`` read as :func:`windowed` gives
    them: temporary tables of the same names shadow the stored ones.

    Why tables rather than a new expression: the feature expression takes seconds to build and
    compile (four with every family), and learning computes it for each of thirteen views of a
    source; over shadowing tables, one compiled query (cached per store layout by
    :func:`tigerblood.features.compute.compute_features`) serves every view.
    """
    catalog = store.con.execute("SELECT current_database()").fetchall()[0][0]
    backend = ibis.duckdb.from_connection(store.con)
    stored = ModelTables(
        accounts=backend.table("accounts", database=(catalog, "main")),
        posts=backend.table("posts", database=(catalog, "main")),
        follows=backend.table("follows", database=(catalog, "main")),
    )
    view = windowed(stored, window, counts)
    shadowed = {
        name: table
        for name, table, changed in (
            ("posts", view.posts, not math.isinf(window)),
            ("accounts", view.accounts, not counts),
        )
        if changed
    }
    for name, table in shadowed.items():
        sql = ibis.to_sql(table, dialect="duckdb")
        store.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    try:
        yield
    finally:
        for name in shadowed:
            store.con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
